"""The pictures of dupefinder."""


def pictures_rows(rows):
    return list(rows)
