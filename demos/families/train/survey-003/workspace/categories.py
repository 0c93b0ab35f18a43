"""Pennywise keeps a ledger of household expenses and checks them against monthly budgets."""


def categories_rows(rows):
    return list(rows)
