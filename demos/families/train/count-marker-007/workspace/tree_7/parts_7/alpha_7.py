# step 0: umber yarrow NOTE(perf) indigo NOTE(perf) amber
# step 1: maple raven NOTE(perf) ember NOTE(perf) falcon
# step 2: amber raven NOTE(perf) basil
# step 3: acorn harbor NOTE(perf) garnet NOTE(perf) umber
# step 4: dune fjord NOTE(perf) heron NOTE(perf) velvet
# step 5: cedar maple NOTE(perf) kestrel NOTE(perf) delta
