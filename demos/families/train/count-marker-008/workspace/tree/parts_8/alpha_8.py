# step 0: heron harbor
# step 1: heron willow
# step 2: cobalt acorn HACK bramble HACK basil
# step 3: juniper cobalt HACK indigo
