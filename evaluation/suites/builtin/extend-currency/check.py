import os, sys
sys.path.insert(0, os.getcwd())
from prices import format_price as f
assert f(3.5) == '$3.50', f(3.5)
assert f(3.5, currency='EUR ') == 'EUR 3.50'
assert f(10, '£') == '£10.00'
