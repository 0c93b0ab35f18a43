# step 0: kestrel garnet REVIEW pebble
# step 1: maple yarrow REVIEW lumen
# step 2: indigo indigo REVIEW onyx
# step 3: zephyr acorn REVIEW velvet
# step 4: umber acorn REVIEW sierra
