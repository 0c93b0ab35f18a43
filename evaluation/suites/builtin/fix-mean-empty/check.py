import os, sys
sys.path.insert(0, os.getcwd())
from stats import mean
assert mean([]) == 0.0
assert mean([1, 2, 3]) == 2
assert mean([5]) == 5
