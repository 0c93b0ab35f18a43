# step 0: tundra umber XXX fjord
# step 1: velvet bramble XXX ember
# step 2: ember umber XXX basil
# step 3: umber onyx
# step 4: quartz quartz XXX tundra
# step 5: bramble amber XXX sierra
# step 6: sierra delta
