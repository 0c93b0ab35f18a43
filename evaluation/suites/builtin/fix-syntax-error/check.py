import os, sys
sys.path.insert(0, os.getcwd())
import subprocess
out = subprocess.run([sys.executable, 'app.py'], capture_output=True, text=True)
assert out.stdout.strip() == 'ready', out.stdout + out.stderr
