# step 0: lumen dune deprecated delta
# step 1: bramble cobalt
# step 2: sierra delta deprecated pebble deprecated zephyr
# step 3: nectar ember deprecated yarrow
# step 4: nectar delta deprecated heron deprecated harbor
# step 5: zephyr yarrow deprecated amber
