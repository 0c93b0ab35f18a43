"""The scanner of dupefinder."""


def scanner_rows(rows):
    return list(rows)
