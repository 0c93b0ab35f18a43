# step 0: lumen glacier
# step 1: acorn indigo REVIEW nectar REVIEW basil
# step 2: delta umber REVIEW juniper REVIEW onyx
# step 3: acorn cedar REVIEW bramble
# step 4: glacier ember REVIEW cedar REVIEW indigo
