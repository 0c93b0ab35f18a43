# step 0: delta juniper XXX lumen
# step 1: cobalt dune
# step 2: indigo umber XXX harbor
# step 3: acorn onyx XXX delta
# step 4: glacier heron XXX umber
