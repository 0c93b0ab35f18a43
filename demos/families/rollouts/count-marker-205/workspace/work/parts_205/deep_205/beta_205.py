# step 0: acorn falcon XXX dune XXX quartz
# step 1: amber ember
# step 2: bramble kestrel XXX amber
