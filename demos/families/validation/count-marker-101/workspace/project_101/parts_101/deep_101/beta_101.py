# step 0: ember yarrow REVIEW tundra REVIEW acorn
# step 1: lumen quartz REVIEW willow
# step 2: glacier fjord REVIEW lumen
# step 3: zephyr indigo REVIEW basil
# step 4: willow kestrel
# step 5: ember cobalt REVIEW amber
# step 6: umber pebble REVIEW zephyr REVIEW sierra
