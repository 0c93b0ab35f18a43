from datetime import date

from workdays import add_workdays


def test_same_week():
    assert add_workdays(date(2024, 6, 3), 2) == date(2024, 6, 5)  # Mon + 2 = Wed


def test_over_weekend():
    assert add_workdays(date(2024, 6, 6), 2) == date(2024, 6, 10)  # Thu + 2 = Mon


def test_zero():
    assert add_workdays(date(2024, 6, 8), 0) == date(2024, 6, 8)
