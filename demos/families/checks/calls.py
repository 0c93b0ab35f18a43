"""module.func(*args, **kwargs) returns the expected value:
calls.py '{"module": M, "func": F, "cases": [[arg..., want] or {"args": [...], "kwargs": {...}, "want": W}]}'."""
import importlib
import json
import sys

a = json.loads(sys.argv[1])
sys.path.insert(0, ".")
try:
    func = getattr(importlib.import_module(a["module"]), a["func"])
except Exception as e:  # a syntax error, a missing function: the task is not done
    sys.exit(f"cannot use {a['module']}.{a['func']}: {type(e).__name__}: {e}")
for case in a["cases"]:
    if isinstance(case, dict):
        args, kwargs, want = case.get("args", []), case.get("kwargs", {}), case["want"]
    else:
        *args, want = case
        kwargs = {}
    shown = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
    try:
        got = func(*args, **kwargs)
    except Exception as e:
        sys.exit(f"{a['func']}({shown}) raised {type(e).__name__}: {e}")
    if got != want:
        sys.exit(f"{a['func']}({shown}) returned {got!r}, expected {want!r}")
