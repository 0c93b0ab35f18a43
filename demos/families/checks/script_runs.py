"""The script prints the expected line for each argument list:
script_runs.py '{"script": S, "cases": [[[arg...], printed]]}'."""
import json
import subprocess
import sys
from pathlib import Path

a = json.loads(sys.argv[1])
if not Path(a["script"]).is_file():
    sys.exit(f"{a['script']} does not exist")
for args, want in a["cases"]:
    shown = " ".join(["python", a["script"], *args])
    try:
        out = subprocess.run([sys.executable, a["script"], *args], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        sys.exit(f"`{shown}` ran over 30 s")
    if out.returncode != 0:
        sys.exit(f"`{shown}` exited {out.returncode}: {out.stderr.strip()[-300:]}")
    if out.stdout.strip() != want:
        sys.exit(f"`{shown}` printed {out.stdout.strip()!r}, expected {want!r}")
