"""The photos of dupefinder."""


def photos_rows(rows):
    return list(rows)
