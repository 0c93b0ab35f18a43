# step 0: velvet garnet XXX kestrel
# step 1: cobalt glacier XXX juniper
# step 2: juniper willow XXX indigo
# step 3: maple onyx XXX nectar XXX falcon
# step 4: garnet garnet
# step 5: delta falcon XXX juniper
