# step 0: dune indigo
# step 1: indigo velvet REVIEW umber
# step 2: indigo basil REVIEW willow REVIEW lumen
# step 3: pebble heron
