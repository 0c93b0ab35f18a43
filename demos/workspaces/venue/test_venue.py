import pytest

from venue import Event, SoldOut


def test_book():
    e = Event("jazz night", 100)
    assert e.book(30) == 70


def test_book_last_seats():
    e = Event("jazz night", 10)
    e.book(6)
    assert e.book(4) == 0


def test_sold_out():
    e = Event("jazz night", 10)
    with pytest.raises(SoldOut):
        e.book(11)


def test_cancel():
    e = Event("jazz night", 10)
    e.book(5)
    assert e.cancel(2) == 7
