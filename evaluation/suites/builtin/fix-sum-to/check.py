import os, sys
sys.path.insert(0, os.getcwd())
from mathops import sum_to
assert sum_to(3) == 6, sum_to(3)
assert sum_to(1) == 1
assert sum_to(0) == 0
assert sum_to(100) == 5050
