"""The loans of shelfkeeper."""


def loans_rows(rows):
    return list(rows)
