import pytest

from splitbill import split, with_tip


def test_split_even():
    assert split(900, 3) == [300, 300, 300]


def test_split_remainder():
    assert split(1000, 3) == [334, 333, 333]


def test_split_nobody():
    with pytest.raises(ValueError):
        split(100, 0)


def test_with_tip():
    assert with_tip(2000, 15) == 2300
