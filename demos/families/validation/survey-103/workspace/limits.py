"""The limits of pennywise."""


def limits_rows(rows):
    return list(rows)
