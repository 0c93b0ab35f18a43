# step 0: maple tundra
# step 1: indigo yarrow deprecated willow
# step 2: nectar dune deprecated delta
# step 3: tundra maple deprecated heron
# step 4: lumen garnet
# step 5: harbor acorn deprecated nectar
# step 6: lumen cedar deprecated umber
