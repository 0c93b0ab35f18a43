"""The file holds a path relative to the workspace (a leading ./ aside): rel_path.py '{"path": P, "want": W}'."""
import json
import sys
from pathlib import Path

a = json.loads(sys.argv[1])
p = Path(a["path"])
if not p.is_file():
    sys.exit(f"{p} does not exist")
got = p.read_text().strip().strip("`")
if got.removeprefix("./") != a["want"]:
    sys.exit(f"{p} holds {got!r}, expected the relative path {a['want']!r}")
