import os, sys
sys.path.insert(0, os.getcwd())
from inventory import add_item, remove_item
s = {}
add_item(s, 'pen', 3)
remove_item(s, 'pen', 1)
assert s == {'pen': 2}, s
remove_item(s, 'pen', 2)
assert s == {}, s
try:
    remove_item(s, 'ink', 1)
except KeyError:
    pass
else:
    raise AssertionError('no KeyError')
