"""The departures of busnext."""


def departures_rows(rows):
    return list(rows)
