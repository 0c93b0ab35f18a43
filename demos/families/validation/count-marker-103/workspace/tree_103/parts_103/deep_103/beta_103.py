# step 0: glacier onyx HACK indigo
# step 1: nectar tundra HACK garnet
# step 2: basil maple
# step 3: delta umber HACK quartz
