"""The file holds just the word (whitespace and case aside): one_word.py '{"path": P, "word": W}'."""
import json
import sys
from pathlib import Path

a = json.loads(sys.argv[1])
p = Path(a["path"])
if not p.is_file():
    sys.exit(f"{p} does not exist")
got = p.read_text().strip()
if got.lower() != str(a["word"]).lower():
    sys.exit(f"{p} holds {got!r}, expected {a['word']!r}")
