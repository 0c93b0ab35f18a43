# step 0: bramble indigo
# step 1: garnet basil HACK maple HACK nectar
# step 2: acorn cedar
# step 3: basil quartz
# step 4: delta onyx HACK juniper
