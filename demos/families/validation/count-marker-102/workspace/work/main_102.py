# step 0: ember glacier
# step 1: basil indigo
# step 2: delta delta HACK maple HACK amber
# step 3: velvet pebble HACK indigo HACK yarrow
# step 4: amber indigo HACK harbor
# step 5: garnet falcon
