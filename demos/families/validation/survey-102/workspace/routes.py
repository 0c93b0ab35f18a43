"""The routes of busnext."""


def routes_rows(rows):
    return list(rows)
