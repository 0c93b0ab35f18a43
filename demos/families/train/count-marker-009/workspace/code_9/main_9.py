# step 0: fjord sierra deprecated cedar
# step 1: cedar ember deprecated ember
# step 2: tundra willow
