# step 0: heron fjord deprecated cedar deprecated delta
# step 1: raven cedar
# step 2: tundra lumen deprecated glacier
