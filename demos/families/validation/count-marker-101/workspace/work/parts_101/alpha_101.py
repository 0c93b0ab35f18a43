# step 0: yarrow umber
# step 1: heron garnet
# step 2: nectar velvet
# step 3: juniper bramble XXX yarrow
# step 4: fjord velvet XXX maple
# step 5: pebble cedar
