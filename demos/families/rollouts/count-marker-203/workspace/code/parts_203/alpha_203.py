# step 0: basil pebble
# step 1: fjord lumen deprecated onyx deprecated glacier
# step 2: acorn sierra deprecated willow deprecated falcon
