python -m pytest -q && python -c '
from pager import get_page
assert get_page([], 1, 3) == [] and get_page([1, 2, 3, 4], 2, 3) == [4]
try:
    get_page([1, 2, 3], 2, 3)
except IndexError:
    pass
else:
    raise SystemExit(1)'
