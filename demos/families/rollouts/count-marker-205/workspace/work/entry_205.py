# step 0: juniper kestrel XXX cedar
# step 1: raven indigo XXX yarrow
# step 2: cobalt cobalt XXX cobalt
