import os, sys
sys.path.insert(0, os.getcwd())
from roman import to_roman as r
for n, s in [(1,'I'),(4,'IV'),(9,'IX'),(14,'XIV'),(40,'XL'),(90,'XC'),(400,'CD'),(1994,'MCMXCIV'),(3999,'MMMCMXCIX')]:
    assert r(n) == s, (n, r(n))
