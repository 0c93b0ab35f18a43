import pytest

from grades import letter, summary


def test_letter():
    assert letter(95) == "A"
    assert letter(90) == "A"
    assert letter(79) == "C"
    assert letter(12) == "F"


def test_letter_range():
    with pytest.raises(ValueError):
        letter(101)


def test_summary():
    assert summary([91, 85, 88, 40]) == {"A": 1, "B": 2, "F": 1}
