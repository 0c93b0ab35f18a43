"""The file holds exactly the text: exact_file.py '{"path": P, "text": T}'."""
import json
import sys
from pathlib import Path

a = json.loads(sys.argv[1])
p = Path(a["path"])
if not p.is_file():
    sys.exit(f"{p} does not exist")
got = p.read_text()
if got != a["text"] and got.rstrip("\n") != a["text"].rstrip("\n"):
    sys.exit(f"{p} holds {got!r}, expected {a['text']!r}")
