# step 0: zephyr cobalt HACK garnet
# step 1: raven glacier
# step 2: cobalt quartz HACK garnet HACK umber
