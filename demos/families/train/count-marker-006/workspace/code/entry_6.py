# step 0: nectar amber
# step 1: cedar raven deprecated maple
# step 2: garnet harbor
# step 3: velvet garnet deprecated dune
