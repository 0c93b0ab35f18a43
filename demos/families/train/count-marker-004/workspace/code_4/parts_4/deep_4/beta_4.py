# step 0: dune umber
# step 1: velvet garnet deprecated zephyr
# step 2: falcon raven
# step 3: falcon velvet deprecated garnet
# step 4: acorn cobalt
# step 5: glacier juniper deprecated umber deprecated juniper
# step 6: indigo maple deprecated onyx
