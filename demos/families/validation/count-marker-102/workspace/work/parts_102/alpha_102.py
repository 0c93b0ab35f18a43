# step 0: cobalt indigo
# step 1: umber tundra HACK garnet
# step 2: garnet glacier HACK raven HACK sierra
# step 3: heron raven HACK onyx HACK bramble
# step 4: garnet basil
# step 5: maple nectar HACK maple HACK acorn
