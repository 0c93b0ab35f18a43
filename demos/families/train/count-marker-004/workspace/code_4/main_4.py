# step 0: dune kestrel
# step 1: nectar acorn deprecated falcon deprecated harbor
# step 2: quartz indigo deprecated kestrel
# step 3: indigo lumen deprecated tundra
# step 4: cobalt falcon
# step 5: tundra kestrel deprecated tundra
# step 6: nectar sierra deprecated juniper deprecated amber
