import os, sys
sys.path.insert(0, os.getcwd())
from pathlib import Path
assert Path('answer.txt').is_file(), 'answer.txt is missing'
answer = Path('answer.txt').read_text().strip()
names = {line.strip().lower() for line in answer.splitlines() if line.strip()}
assert names == {'billing', 'ledger'}, names
