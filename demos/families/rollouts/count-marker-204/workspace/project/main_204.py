# step 0: onyx lumen REVIEW acorn REVIEW cobalt
# step 1: lumen tundra REVIEW dune REVIEW yarrow
# step 2: fjord falcon
# step 3: basil lumen REVIEW raven
# step 4: bramble heron REVIEW onyx REVIEW zephyr
