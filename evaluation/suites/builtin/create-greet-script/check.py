import os, sys
sys.path.insert(0, os.getcwd())
import subprocess
run = lambda *a: subprocess.run([sys.executable, 'greet.py', *a], capture_output=True, text=True).stdout.strip()
assert run('Ada') == 'Hello, Ada!', run('Ada')
assert run() == 'Hello, World!', run()
