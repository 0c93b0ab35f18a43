"""Lending books: who has what, and until when."""

from datetime import date, timedelta

LOAN_DAYS = 21


class Loan:
    def __init__(self, title, member, start):
        self.title = title
        self.member = member
        self.start = start
        self.due = start + timedelta(days=LOAN_DAYS)

    def renew(self):
        """Extend the loan by another loan period from the current due date."""
        self.due = self.start + timedelta(days=LOAN_DAYS)
        return self.due


def days_late(loan, today):
    """How many days past its due date a loan is (0 when not late)."""
    return max(0, (today - loan.due).days)
