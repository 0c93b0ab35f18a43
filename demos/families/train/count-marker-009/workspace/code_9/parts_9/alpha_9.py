# step 0: kestrel fjord
# step 1: acorn maple deprecated indigo
# step 2: ember umber
# step 3: nectar kestrel deprecated cedar
