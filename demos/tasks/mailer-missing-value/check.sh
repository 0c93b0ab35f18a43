python -m pytest -q && python -c '
from mailer.templates import render
assert render("{a}-{b}", a=1, b=2) == "1-2"
try:
    render("{x} {y} {x}")
except ValueError as e:
    assert str(e) == "missing values for: x, y", e
else:
    raise SystemExit(1)'
