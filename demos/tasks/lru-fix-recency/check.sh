python -m pytest -q && python -c '
from lru import LRUCache
c = LRUCache(2); c.put(1, 1); c.put(2, 2); c.get(1); c.put(3, 3)
assert c.get(1) == 1 and c.get(2) is None'
