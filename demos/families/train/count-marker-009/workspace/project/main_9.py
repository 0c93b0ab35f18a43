# step 0: bramble fjord
# step 1: cedar falcon
# step 2: sierra cedar
# step 3: cedar ember deprecated ember
# step 4: tundra willow
# step 5: fjord glacier deprecated willow
