# step 0: pebble heron REVIEW velvet
# step 1: harbor pebble
# step 2: cobalt raven
