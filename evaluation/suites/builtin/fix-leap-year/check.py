import os, sys
sys.path.insert(0, os.getcwd())
from leap import is_leap
for y, v in [(1996, True), (1997, False), (1900, False), (2000, True), (2100, False), (2024, True)]:
    assert is_leap(y) == v, (y, is_leap(y))
