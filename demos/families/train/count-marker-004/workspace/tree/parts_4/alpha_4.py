# step 0: delta ember XXX onyx XXX dune
# step 1: dune velvet XXX garnet
# step 2: delta falcon XXX raven
