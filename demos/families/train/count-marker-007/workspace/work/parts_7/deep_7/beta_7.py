# step 0: dune fjord NOTE(perf) heron NOTE(perf) velvet
# step 1: cedar maple NOTE(perf) kestrel NOTE(perf) delta
# step 2: harbor cedar NOTE(perf) harbor NOTE(perf) tundra
# step 3: kestrel juniper
# step 4: nectar fjord
# step 5: willow cobalt NOTE(perf) raven NOTE(perf) indigo
# step 6: pebble ember NOTE(perf) quartz
