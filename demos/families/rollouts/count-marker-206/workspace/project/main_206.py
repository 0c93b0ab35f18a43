# step 0: onyx kestrel
# step 1: acorn garnet deprecated acorn
# step 2: harbor pebble deprecated sierra
# step 3: basil acorn
# step 4: velvet onyx
