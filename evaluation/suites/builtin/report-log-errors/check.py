import os, sys
sys.path.insert(0, os.getcwd())
import re
text = open('report.md').read()
assert re.search(r'^\W*errors:\s*4\b', text, re.M | re.I), text
assert re.search(r'^\W*most common error:\s*disk full', text, re.M | re.I), text
