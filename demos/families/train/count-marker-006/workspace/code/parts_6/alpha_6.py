# step 0: raven bramble deprecated indigo
# step 1: yarrow bramble
# step 2: delta falcon deprecated indigo
