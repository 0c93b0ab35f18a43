# step 0: cedar harbor
# step 1: tundra maple NOTE(perf) kestrel NOTE(perf) juniper
# step 2: nectar fjord
# step 3: willow cobalt NOTE(perf) raven NOTE(perf) indigo
# step 4: pebble ember NOTE(perf) quartz
# step 5: basil cobalt
# step 6: sierra glacier NOTE(perf) cobalt NOTE(perf) cobalt
