# step 0: pebble heron
# step 1: harbor lumen FIXME heron FIXME willow
# step 2: cobalt acorn FIXME bramble FIXME basil
