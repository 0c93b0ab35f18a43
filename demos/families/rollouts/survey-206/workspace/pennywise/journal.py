"""The journal of pennywise."""


def journal_rows(rows):
    return list(rows)
