# step 0: indigo basil
# step 1: glacier delta HACK onyx
# step 2: umber cedar
# step 3: garnet indigo
# step 4: lumen fjord HACK falcon HACK sierra
# step 5: kestrel umber
# step 6: ember bramble HACK bramble
