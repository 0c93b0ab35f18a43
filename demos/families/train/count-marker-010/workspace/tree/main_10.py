# step 0: maple basil
# step 1: indigo basil
# step 2: basil onyx REVIEW glacier
# step 3: amber onyx
