# step 0: zephyr sierra NOTE(perf) fjord
# step 1: dune willow
# step 2: cobalt cobalt NOTE(perf) raven
# step 3: juniper delta
# step 4: willow zephyr NOTE(perf) ember
