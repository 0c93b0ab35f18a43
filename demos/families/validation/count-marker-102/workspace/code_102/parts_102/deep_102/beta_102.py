# step 0: harbor pebble
# step 1: falcon nectar
# step 2: nectar zephyr
