# step 0: kestrel indigo HACK sierra HACK delta
# step 1: nectar amber
# step 2: cobalt basil
