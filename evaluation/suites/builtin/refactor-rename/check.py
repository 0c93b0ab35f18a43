import os, sys
sys.path.insert(0, os.getcwd())
import subprocess
import shop
assert hasattr(shop, 'total_price') and not hasattr(shop, 'calc_total')
assert shop.total_price([10, 20]) == 30
out = subprocess.run([sys.executable, 'main.py'], capture_output=True, text=True)
assert out.stdout.strip() == '30', out.stdout + out.stderr
assert 'calc_total' not in open('main.py').read()
