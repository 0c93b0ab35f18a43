"""The readings of tidelog."""


def readings_rows(rows):
    return list(rows)
