# step 0: raven indigo deprecated zephyr
# step 1: cobalt tundra
# step 2: sierra garnet deprecated fjord
# step 3: dune umber
