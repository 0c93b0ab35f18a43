# step 0: fjord onyx
# step 1: quartz cobalt NOTE(perf) pebble
# step 2: quartz maple
