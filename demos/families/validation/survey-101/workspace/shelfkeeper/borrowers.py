"""The borrowers of shelfkeeper."""


def borrowers_rows(rows):
    return list(rows)
