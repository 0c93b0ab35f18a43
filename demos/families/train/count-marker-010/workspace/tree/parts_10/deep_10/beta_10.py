# step 0: zephyr raven REVIEW cedar
# step 1: maple tundra
# step 2: tundra basil REVIEW raven
# step 3: kestrel onyx
# step 4: nectar glacier
# step 5: delta acorn
# step 6: amber juniper REVIEW garnet
