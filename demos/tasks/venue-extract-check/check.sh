python -m pytest -q && [ "$(grep -c 'must be positive' venue.py)" = 1 ] && python -c "
from venue import Event
for op in ('book', 'cancel'):
    try:
        getattr(Event('x', 5), op)(-1)
    except ValueError as e:
        assert str(e) == 'seats must be positive', e
    else:
        raise SystemExit('no error')"
