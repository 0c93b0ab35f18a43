"""The schedule of busnext."""


def schedule_rows(rows):
    return list(rows)
