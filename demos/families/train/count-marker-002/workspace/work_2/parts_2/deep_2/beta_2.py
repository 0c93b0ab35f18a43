# step 0: willow yarrow REVIEW velvet REVIEW harbor
# step 1: zephyr cedar
# step 2: nectar delta REVIEW pebble
# step 3: umber acorn REVIEW pebble
# step 4: delta onyx REVIEW sierra
