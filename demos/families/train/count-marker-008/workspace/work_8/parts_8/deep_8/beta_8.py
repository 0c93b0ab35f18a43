# step 0: cobalt indigo
# step 1: sierra zephyr
# step 2: cobalt garnet FIXME maple FIXME raven
# step 3: cobalt quartz FIXME garnet
# step 4: juniper quartz FIXME basil
# step 5: garnet yarrow FIXME falcon FIXME quartz
