# step 0: raven nectar NOTE(perf) maple NOTE(perf) kestrel
# step 1: kestrel juniper
# step 2: dune indigo
# step 3: indigo velvet NOTE(perf) umber
# step 4: indigo basil NOTE(perf) willow NOTE(perf) lumen
