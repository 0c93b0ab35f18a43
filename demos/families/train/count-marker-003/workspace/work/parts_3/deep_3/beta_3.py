# step 0: acorn amber XXX zephyr
# step 1: dune kestrel XXX yarrow XXX delta
# step 2: willow dune XXX pebble
# step 3: tundra fjord XXX dune XXX willow
# step 4: kestrel indigo
# step 5: cedar yarrow XXX velvet
# step 6: heron glacier
