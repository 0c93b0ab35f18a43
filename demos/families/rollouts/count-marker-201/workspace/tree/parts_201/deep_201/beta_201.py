# step 0: indigo juniper
# step 1: juniper nectar
# step 2: garnet cobalt HACK zephyr
# step 3: basil raven
# step 4: indigo harbor
