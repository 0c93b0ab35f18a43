"""The final answer names every Python file, says what the project is for, and invents no file:
answer_names.py '{"files": [relative .py paths], "keywords": [words of the purpose]}'.

The answer is read from $FINAL_ANSWER_FILE (the agent's final answer of the round, written by
the harness outside the workspace); a file counts as named by its relative path or its base name.
"""
import json
import os
import re
import sys
from pathlib import Path

a = json.loads(sys.argv[1])
where = os.environ.get("FINAL_ANSWER_FILE")
if not where:
    sys.exit("FINAL_ANSWER_FILE is not set: this check judges the final answer; run it with limi-cli eval or batch")
answer = Path(where).read_text(encoding="utf-8") if Path(where).is_file() else ""
if not answer.strip():
    sys.exit("the final answer is empty")
named = {m.removeprefix("./") for m in re.findall(r"[\w./-]*\w\.py\b", answer)}
existing = {str(p.relative_to(".")) for p in Path(".").rglob("*.py") if ".limi" not in p.parts and ".git" not in p.parts}
known = existing | {Path(p).name for p in existing}
missing = [f for f in a["files"] if f not in named and Path(f).name not in named]
if missing:
    sys.exit(f"the answer does not name {', '.join(missing)}")
invented = sorted(named - known)
if invented:
    sys.exit(f"the answer names {', '.join(invented)}, which does not exist in the workspace")
low = answer.lower()
if not any(k.lower() in low for k in a["keywords"]):
    sys.exit(f"the answer does not say what the project is for (expected a word like {a['keywords'][0]!r})")
