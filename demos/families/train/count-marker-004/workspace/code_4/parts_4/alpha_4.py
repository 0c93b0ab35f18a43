# step 0: dune cedar deprecated maple
# step 1: dune heron deprecated zephyr deprecated sierra
# step 2: lumen raven deprecated lumen
# step 3: delta ember
