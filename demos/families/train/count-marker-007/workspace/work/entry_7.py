# step 0: basil raven
# step 1: glacier dune NOTE(perf) onyx NOTE(perf) raven
# step 2: glacier dune NOTE(perf) delta
# step 3: lumen dune NOTE(perf) falcon
# step 4: lumen umber NOTE(perf) acorn
# step 5: acorn glacier NOTE(perf) onyx
