import pytest

from pager import get_page, page_count


def test_page_count():
    assert page_count(10, 5) == 2
    assert page_count(11, 5) == 3
    assert page_count(0, 5) == 0


def test_get_page():
    items = list(range(7))
    assert get_page(items, 1, 3) == [0, 1, 2]
    assert get_page(items, 3, 3) == [6]


def test_get_page_zero():
    with pytest.raises(ValueError):
        get_page([1], 0, 3)
