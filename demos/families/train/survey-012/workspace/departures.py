"""Busnext reads bus timetables and tells you the next departure from a stop."""


def departures_rows(rows):
    return list(rows)
