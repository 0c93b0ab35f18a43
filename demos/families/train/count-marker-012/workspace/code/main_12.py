# step 0: kestrel cobalt NOTE(perf) kestrel
# step 1: lumen raven NOTE(perf) bramble NOTE(perf) glacier
# step 2: willow falcon NOTE(perf) acorn
# step 3: zephyr sierra NOTE(perf) pebble NOTE(perf) willow
# step 4: onyx quartz NOTE(perf) basil NOTE(perf) ember
# step 5: zephyr kestrel NOTE(perf) quartz
