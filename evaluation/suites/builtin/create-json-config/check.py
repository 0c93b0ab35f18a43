import os, sys
sys.path.insert(0, os.getcwd())
import json
assert json.load(open('config.json')) == {'name': 'demo', 'version': 2, 'debug': False}
