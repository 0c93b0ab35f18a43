"""The shifts of rotaplan."""


def shifts_rows(rows):
    return list(rows)
