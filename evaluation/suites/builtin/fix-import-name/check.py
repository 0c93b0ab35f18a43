import os, sys
sys.path.insert(0, os.getcwd())
import subprocess
out = subprocess.run([sys.executable, 'main.py'], capture_output=True, text=True)
assert out.stdout.strip() == '12', out.stdout + out.stderr
assert 'def rectangle_area' in open('shapes.py').read()
