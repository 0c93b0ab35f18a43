# step 0: yarrow acorn deprecated dune
# step 1: garnet heron deprecated juniper
# step 2: onyx amber deprecated yarrow
# step 3: amber indigo
# step 4: nectar umber
