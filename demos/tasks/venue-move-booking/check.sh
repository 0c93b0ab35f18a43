python -m pytest -q && python -c "
from venue import Event, move_booking, SoldOut
a, b = Event('x', 5), Event('y', 1)
a.book(3)
try:
    move_booking(a, b, 2)
except SoldOut:
    pass
assert (a.booked, b.booked) == (3, 0)
move_booking(a, b, 1); assert (a.booked, b.booked) == (2, 1)"
