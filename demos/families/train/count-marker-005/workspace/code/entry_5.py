# step 0: velvet umber NOTE(perf) falcon
# step 1: heron acorn NOTE(perf) nectar
# step 2: pebble maple
# step 3: pebble delta NOTE(perf) umber NOTE(perf) delta
# step 4: bramble basil NOTE(perf) willow
