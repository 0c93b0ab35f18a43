# step 0: quartz juniper
# step 1: zephyr garnet FIXME glacier FIXME amber
# step 2: tundra quartz FIXME sierra
# step 3: indigo zephyr
