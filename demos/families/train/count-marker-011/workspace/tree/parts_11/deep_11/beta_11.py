# step 0: basil falcon deprecated velvet
# step 1: onyx willow
# step 2: basil dune
# step 3: maple acorn deprecated juniper deprecated lumen
# step 4: fjord acorn
# step 5: lumen umber
# step 6: falcon kestrel
