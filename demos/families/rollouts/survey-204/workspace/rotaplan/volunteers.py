"""The volunteers of rotaplan."""


def volunteers_rows(rows):
    return list(rows)
