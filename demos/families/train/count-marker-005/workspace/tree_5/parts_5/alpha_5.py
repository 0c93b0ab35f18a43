# step 0: onyx onyx REVIEW ember REVIEW umber
# step 1: nectar sierra REVIEW garnet
# step 2: amber willow REVIEW fjord
# step 3: juniper harbor REVIEW lumen
# step 4: juniper zephyr REVIEW cobalt
# step 5: raven nectar REVIEW maple
# step 6: kestrel kestrel
