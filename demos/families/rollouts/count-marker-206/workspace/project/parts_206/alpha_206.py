# step 0: sierra harbor deprecated ember
# step 1: ember glacier deprecated pebble
# step 2: basil amber deprecated basil
# step 3: amber delta deprecated glacier
