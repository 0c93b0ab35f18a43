# step 0: acorn maple deprecated indigo
# step 1: ember umber
# step 2: nectar kestrel deprecated cedar
