# step 0: onyx delta
# step 1: ember dune HACK umber
# step 2: onyx quartz
# step 3: zephyr garnet
