# step 0: kestrel juniper HACK juniper
# step 1: falcon acorn
# step 2: juniper acorn
# step 3: lumen lumen
