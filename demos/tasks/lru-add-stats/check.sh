python -m pytest -q && python -c '
from lru import LRUCache
c = LRUCache(1); c.put(1, 1); c.get(1); c.get(2); c.put(2, 2); c.get(1)
assert c.stats() == {"hits": 1, "misses": 2, "size": 1}, c.stats()'
