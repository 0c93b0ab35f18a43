# step 0: bramble harbor NOTE(perf) basil
# step 1: lumen fjord NOTE(perf) lumen NOTE(perf) nectar
# step 2: lumen tundra
# step 3: delta umber
# step 4: ember dune
