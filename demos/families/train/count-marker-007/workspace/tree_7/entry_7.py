# step 0: basil raven NOTE(perf) glacier NOTE(perf) dune
# step 1: raven umber
# step 2: dune delta NOTE(perf) raven
