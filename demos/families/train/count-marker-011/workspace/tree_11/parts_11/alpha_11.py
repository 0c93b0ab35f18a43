# step 0: heron fjord NOTE(perf) cedar NOTE(perf) delta
# step 1: raven cedar
# step 2: tundra lumen NOTE(perf) glacier
