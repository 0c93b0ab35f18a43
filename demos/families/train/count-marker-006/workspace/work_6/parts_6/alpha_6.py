# step 0: raven bramble FIXME indigo
# step 1: yarrow bramble
# step 2: delta falcon FIXME indigo
