import os, sys
sys.path.insert(0, os.getcwd())
import json
r = json.load(open('report.json'))
assert r['rows'] == 9 and r['total_quantity'] == 60 and abs(float(r['max_unit_price']) - 12) < 1e-9, r
