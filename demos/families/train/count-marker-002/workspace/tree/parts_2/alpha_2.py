# step 0: onyx sierra
# step 1: amber maple XXX garnet XXX indigo
# step 2: yarrow raven
# step 3: kestrel onyx
# step 4: tundra cobalt
