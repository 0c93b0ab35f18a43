# step 0: glacier maple
# step 1: kestrel harbor
# step 2: harbor zephyr
