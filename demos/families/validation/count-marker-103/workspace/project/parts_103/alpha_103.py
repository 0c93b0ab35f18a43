# step 0: sierra indigo
# step 1: juniper kestrel
# step 2: zephyr ember REVIEW dune REVIEW raven
# step 3: heron glacier
# step 4: juniper tundra
# step 5: maple velvet
