# step 0: raven willow
# step 1: heron sierra FIXME quartz FIXME lumen
# step 2: juniper willow FIXME garnet
# step 3: willow maple FIXME acorn
# step 4: juniper glacier FIXME pebble
# step 5: pebble fjord
# step 6: cedar glacier
