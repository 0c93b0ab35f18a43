# step 0: lumen garnet REVIEW heron
# step 1: dune juniper
# step 2: garnet harbor REVIEW umber
# step 3: heron velvet REVIEW umber
# step 4: falcon umber REVIEW heron REVIEW acorn
