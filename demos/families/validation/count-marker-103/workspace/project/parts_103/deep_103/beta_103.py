# step 0: acorn bramble REVIEW pebble REVIEW nectar
# step 1: delta quartz REVIEW pebble REVIEW indigo
# step 2: acorn cobalt REVIEW harbor REVIEW falcon
# step 3: acorn glacier REVIEW zephyr
# step 4: nectar pebble REVIEW onyx
# step 5: fjord amber
# step 6: zephyr cobalt
