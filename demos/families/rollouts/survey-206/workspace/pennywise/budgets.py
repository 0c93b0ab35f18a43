"""The budgets of pennywise."""


def budgets_rows(rows):
    return list(rows)
