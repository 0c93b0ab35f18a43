# step 0: dune quartz
# step 1: willow zephyr deprecated onyx
# step 2: garnet lumen deprecated willow
# step 3: basil bramble
# step 4: heron delta deprecated falcon deprecated harbor
# step 5: falcon willow
# step 6: fjord velvet deprecated cedar deprecated raven
