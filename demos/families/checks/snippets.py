"""Each snippet, run after ``from MODULE import *``, leaves ``got`` equal to the expected value:
snippets.py '{"module": M, "cases": [{"code": "b = Box(); b.put(1); got = b.count()", "want": 1}, ...]}'."""
import importlib
import json
import sys

a = json.loads(sys.argv[1])
sys.path.insert(0, ".")
try:
    module = importlib.import_module(a["module"])
except Exception as e:  # a syntax error, an indentation error: the task is not done
    sys.exit(f"cannot import {a['module']}: {type(e).__name__}: {e}")
for case in a["cases"]:
    scope = {k: v for k, v in vars(module).items() if not k.startswith("__")}
    try:
        exec(case["code"], scope)
    except Exception as e:
        sys.exit(f"{case['code']} raised {type(e).__name__}: {e}")
    if scope.get("got") != case["want"]:
        sys.exit(f"{case['code']} gave got = {scope.get('got')!r}, expected {case['want']!r}")
