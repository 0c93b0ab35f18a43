"""The categories of pennywise."""


def categories_rows(rows):
    return list(rows)
