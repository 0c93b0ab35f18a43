import os, sys
sys.path.insert(0, os.getcwd())
import tax
assert tax.TAX_RATE == 0.2
assert abs(tax.tax(100) - 20) < 1e-9 and abs(tax.with_tax(100) - 120) < 1e-9
assert open('tax.py').read().count('0.2') == 1
