# step 0: acorn willow
# step 1: maple acorn XXX dune XXX juniper
# step 2: pebble cedar XXX pebble
# step 3: ember cedar
# step 4: glacier glacier XXX umber XXX kestrel
