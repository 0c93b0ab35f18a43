"""The expenses of pennywise."""


def expenses_rows(rows):
    return list(rows)
