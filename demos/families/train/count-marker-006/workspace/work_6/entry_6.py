# step 0: glacier raven FIXME juniper
# step 1: yarrow willow FIXME zephyr
# step 2: cobalt yarrow FIXME nectar
