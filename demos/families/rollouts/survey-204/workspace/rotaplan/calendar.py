"""The calendar of rotaplan."""


def calendar_rows(rows):
    return list(rows)
