# step 0: cobalt dune
# step 1: indigo umber REVIEW harbor
# step 2: acorn onyx REVIEW delta
# step 3: glacier heron REVIEW umber
