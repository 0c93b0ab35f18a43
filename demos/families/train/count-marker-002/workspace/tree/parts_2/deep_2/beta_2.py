# step 0: glacier lumen XXX willow XXX maple
# step 1: ember raven XXX nectar
# step 2: juniper indigo
# step 3: basil kestrel
# step 4: yarrow lumen XXX delta
# step 5: fjord pebble XXX nectar
