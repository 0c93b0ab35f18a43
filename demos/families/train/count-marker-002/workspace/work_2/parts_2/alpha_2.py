# step 0: kestrel raven REVIEW glacier
# step 1: ember cobalt REVIEW juniper
# step 2: willow dune REVIEW garnet REVIEW juniper
# step 3: ember lumen REVIEW glacier
# step 4: cedar cedar REVIEW maple REVIEW willow
