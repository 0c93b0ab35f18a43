python -m pytest -q && python -c '
from grades import median
assert median([3, 1, 2]) == 2 and median([4, 1, 3, 2]) == 2.5
try:
    median([])
except ValueError:
    pass
else:
    raise SystemExit(1)'
