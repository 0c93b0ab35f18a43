import os, sys
sys.path.insert(0, os.getcwd())
from pathlib import Path
assert Path('answer.txt').is_file(), 'answer.txt is missing'
answer = Path('answer.txt').read_text().strip()
assert answer == '8443', answer
