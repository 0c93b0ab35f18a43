# step 0: garnet delta HACK umber
# step 1: ember dune
# step 2: onyx cedar
# step 3: willow delta HACK fjord
