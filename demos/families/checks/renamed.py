"""The function is renamed everywhere and the runner still works:
renamed.py '{"module": M, "runner": R, "old": O, "new": N, "prints": S}'."""
import importlib
import json
import subprocess
import sys
from pathlib import Path

a = json.loads(sys.argv[1])
sys.path.insert(0, ".")
mod = importlib.import_module(a["module"])
if not hasattr(mod, a["new"]):
    sys.exit(f"{a['module']}.py has no function {a['new']}")
for name in (a["module"], a["runner"]):
    if a["old"] in Path(f"{name}.py").read_text():
        sys.exit(f"{name}.py still mentions {a['old']}")
out = subprocess.run([sys.executable, f"{a['runner']}.py"], capture_output=True, text=True)
if out.returncode != 0 or out.stdout.strip() != a["prints"]:
    sys.exit(f"python3 {a['runner']}.py printed {out.stdout.strip()!r} (exit {out.returncode}), expected {a['prints']!r}")
