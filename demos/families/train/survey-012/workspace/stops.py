"""The stops of busnext."""


def stops_rows(rows):
    return list(rows)
