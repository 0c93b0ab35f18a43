# step 0: falcon falcon XXX tundra
# step 1: tundra nectar
# step 2: juniper amber XXX velvet
# step 3: cobalt zephyr
# step 4: lumen dune XXX dune XXX dune
# step 5: nectar delta XXX fjord
# step 6: garnet zephyr
