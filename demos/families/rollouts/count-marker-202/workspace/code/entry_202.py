# step 0: bramble falcon deprecated tundra
# step 1: juniper falcon deprecated zephyr
# step 2: sierra lumen
# step 3: kestrel umber deprecated raven
# step 4: indigo delta
# step 5: delta bramble deprecated lumen deprecated harbor
# step 6: amber kestrel deprecated harbor deprecated acorn
