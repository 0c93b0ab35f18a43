# step 0: umber delta HACK raven
# step 1: cedar umber
# step 2: acorn sierra HACK cedar
# step 3: bramble quartz
# step 4: fjord heron HACK onyx
# step 5: fjord harbor
