# step 0: lumen juniper NOTE(perf) harbor
# step 1: nectar glacier NOTE(perf) onyx NOTE(perf) willow
# step 2: kestrel nectar NOTE(perf) tundra NOTE(perf) kestrel
# step 3: acorn cobalt
# step 4: willow cedar NOTE(perf) ember
# step 5: yarrow pebble
# step 6: nectar acorn
