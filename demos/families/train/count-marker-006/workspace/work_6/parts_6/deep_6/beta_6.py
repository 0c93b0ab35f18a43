# step 0: delta willow FIXME harbor
# step 1: harbor cobalt
# step 2: basil yarrow
# step 3: juniper sierra
# step 4: glacier basil
# step 5: ember cobalt FIXME fjord
# step 6: garnet indigo FIXME acorn
