"""The file is JSON equal to the value: json_equals.py '{"path": P, "value": V}'."""
import json
import sys
from pathlib import Path

a = json.loads(sys.argv[1])
p = Path(a["path"])
if not p.is_file():
    sys.exit(f"{p} does not exist")
try:
    got = json.loads(p.read_text())
except json.JSONDecodeError as e:
    sys.exit(f"{p} is not valid JSON: {e}")
if got != a["value"]:
    sys.exit(f"{p} holds {got!r}, expected {a['value']!r}")
