"""The due dates of shelfkeeper."""


def due_dates_rows(rows):
    return list(rows)
