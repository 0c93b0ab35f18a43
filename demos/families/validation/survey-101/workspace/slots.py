"""The slots of rotaplan."""


def slots_rows(rows):
    return list(rows)
