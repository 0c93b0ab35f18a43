python -m pytest -q && python -c '
from mailer import sender, settings
settings.BACKOFF_S = 0
class T:
    n = 0
    def deliver(self, *a):
        T.n += 1
        raise ConnectionError
try:
    sender.send(T(), "x", "hi", attempts=2)
except ConnectionError:
    pass
assert T.n == 2, T.n'
