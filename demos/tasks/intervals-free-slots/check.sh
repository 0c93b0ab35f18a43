python -m pytest -q && python -c '
from intervals import free_slots as f
assert f([], 8, 10) == [(8, 10)]
assert f([(7, 9), (9, 12)], 8, 12) == []
assert f([(10, 11), (10, 14), (11, 12)], 8, 18) == [(8, 10), (14, 18)]'
