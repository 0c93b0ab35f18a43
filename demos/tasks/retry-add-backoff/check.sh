python -m pytest -q && python -c '
from retry import retry
w = []
n = []
def f():
    n.append(1)
    raise OSError
try:
    retry(times=4, delay_s=0.5, backoff=3, sleep=w.append)(f)()
except OSError:
    pass
assert w == [0.5, 1.5, 4.5], w
w.clear(); n.clear()
try:
    retry(times=3, delay_s=2, sleep=w.append)(f)()
except OSError:
    pass
assert w == [2, 2], w'
