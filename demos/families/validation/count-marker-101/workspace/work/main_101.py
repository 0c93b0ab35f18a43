# step 0: kestrel garnet XXX pebble
# step 1: maple yarrow XXX lumen
# step 2: indigo indigo XXX onyx
# step 3: zephyr acorn XXX velvet
# step 4: umber acorn XXX sierra
