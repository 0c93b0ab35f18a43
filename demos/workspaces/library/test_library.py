from datetime import date

from library import Loan, days_late


def test_due_date():
    loan = Loan("Dune", "kim", date(2024, 1, 1))
    assert loan.due == date(2024, 1, 22)


def test_renew():
    loan = Loan("Dune", "kim", date(2024, 1, 1))
    assert loan.renew() == date(2024, 2, 12)


def test_days_late():
    loan = Loan("Dune", "kim", date(2024, 1, 1))
    assert days_late(loan, date(2024, 1, 20)) == 0
    assert days_late(loan, date(2024, 1, 25)) == 3
