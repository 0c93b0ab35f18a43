# step 0: amber willow NOTE(perf) fjord
# step 1: juniper harbor NOTE(perf) lumen
# step 2: juniper zephyr NOTE(perf) cobalt
