# step 0: zephyr glacier REVIEW quartz
# step 1: maple glacier REVIEW dune REVIEW maple
# step 2: velvet tundra REVIEW ember
# step 3: yarrow glacier
# step 4: indigo tundra
# step 5: tundra garnet
