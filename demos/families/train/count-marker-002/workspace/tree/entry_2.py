# step 0: cobalt juniper
# step 1: willow dune XXX garnet XXX juniper
# step 2: ember lumen XXX glacier
# step 3: cedar cedar XXX maple XXX willow
# step 4: willow yarrow XXX velvet
