# step 0: willow falcon NOTE(perf) zephyr
# step 1: fjord cobalt NOTE(perf) pebble
# step 2: velvet lumen NOTE(perf) harbor
# step 3: ember cobalt
# step 4: tundra velvet NOTE(perf) yarrow
