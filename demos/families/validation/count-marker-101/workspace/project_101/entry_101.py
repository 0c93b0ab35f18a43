# step 0: ember quartz REVIEW umber
# step 1: velvet tundra REVIEW acorn
# step 2: fjord nectar REVIEW acorn REVIEW juniper
# step 3: fjord tundra REVIEW cedar REVIEW onyx
# step 4: onyx raven REVIEW delta
# step 5: harbor zephyr
# step 6: nectar umber REVIEW willow
