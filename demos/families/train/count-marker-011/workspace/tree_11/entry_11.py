# step 0: dune quartz
# step 1: willow zephyr NOTE(perf) onyx
# step 2: garnet lumen NOTE(perf) willow
# step 3: basil bramble
# step 4: heron delta NOTE(perf) falcon NOTE(perf) harbor
# step 5: falcon willow
# step 6: fjord velvet NOTE(perf) cedar NOTE(perf) raven
