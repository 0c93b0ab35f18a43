# step 0: acorn maple HACK cobalt HACK indigo
# step 1: dune falcon
# step 2: zephyr glacier HACK quartz
# step 3: maple glacier HACK dune HACK maple
# step 4: velvet tundra HACK ember
