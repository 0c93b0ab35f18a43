# step 0: amber cobalt REVIEW willow
# step 1: glacier yarrow REVIEW lumen
# step 2: sierra maple
# step 3: zephyr harbor REVIEW umber REVIEW kestrel
# step 4: heron lumen REVIEW acorn
# step 5: maple bramble REVIEW yarrow
