"""The holdings of shelfkeeper."""


def holdings_rows(rows):
    return list(rows)
