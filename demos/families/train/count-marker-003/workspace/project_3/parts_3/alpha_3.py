# step 0: quartz quartz FIXME tundra
# step 1: bramble amber FIXME sierra
# step 2: sierra delta
# step 3: cobalt cobalt
