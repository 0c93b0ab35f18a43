"""module.func(*args) returns the expected value: calls.py '{"module": M, "func": F, "cases": [[arg..., want]]}'."""
import importlib
import json
import sys

a = json.loads(sys.argv[1])
sys.path.insert(0, ".")
try:
    func = getattr(importlib.import_module(a["module"]), a["func"])
except Exception as e:  # a syntax error, a missing function: the task is not done
    sys.exit(f"cannot use {a['module']}.{a['func']}: {type(e).__name__}: {e}")
for *args, want in a["cases"]:
    got = func(*args)
    if got != want:
        sys.exit(f"{a['func']}{tuple(args)} returned {got!r}, expected {want!r}")
