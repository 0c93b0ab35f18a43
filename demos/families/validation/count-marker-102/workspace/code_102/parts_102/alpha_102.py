# step 0: velvet falcon
# step 1: glacier pebble
# step 2: glacier indigo
# step 3: basil indigo REVIEW delta REVIEW delta
# step 4: amber velvet
# step 5: pebble indigo REVIEW yarrow REVIEW heron
