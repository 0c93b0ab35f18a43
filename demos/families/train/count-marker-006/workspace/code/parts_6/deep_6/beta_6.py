# step 0: delta willow deprecated harbor
# step 1: harbor cobalt
# step 2: basil yarrow
# step 3: juniper sierra
# step 4: glacier basil
# step 5: ember cobalt deprecated fjord
# step 6: garnet indigo deprecated acorn
