python -m pytest -q && python -c '
from version import bump
assert bump("0.9.9", "minor") == "0.10.0" and bump("3.2.1", "major") == "4.0.0" and bump("3.2.1", "patch") == "3.2.2"
try:
    bump("1.0.0", "x")
except ValueError:
    pass
else:
    raise SystemExit(1)'
