# step 0: heron cobalt
# step 1: juniper harbor XXX velvet
# step 2: kestrel quartz XXX indigo XXX fjord
# step 3: fjord indigo XXX garnet XXX amber
