# step 0: willow sierra
# step 1: glacier heron deprecated tundra
# step 2: indigo tundra deprecated fjord
