"""Business-day arithmetic (Monday to Friday)."""

from datetime import timedelta


def is_workday(day):
    return day.weekday() < 5


def add_workdays(start, n):
    """The date n working days after start (n >= 0); weekends are skipped."""
    day = start
    added = 0
    while added < n:
        day += timedelta(days=1)
        if is_workday(day):
            added += 1
    return day
