# step 0: quartz onyx HACK lumen HACK nectar
# step 1: delta pebble HACK dune
# step 2: velvet umber
# step 3: harbor basil HACK lumen
# step 4: fjord lumen HACK nectar HACK onyx
