import os, sys
sys.path.insert(0, os.getcwd())
from calculator import add, subtract, multiply
assert add(2, 3) == 5
assert subtract(5, 3) == 2
assert multiply(4, 3) == 12
