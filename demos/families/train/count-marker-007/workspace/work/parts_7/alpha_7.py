# step 0: maple raven NOTE(perf) ember NOTE(perf) falcon
# step 1: amber raven NOTE(perf) basil
# step 2: acorn harbor NOTE(perf) garnet NOTE(perf) umber
