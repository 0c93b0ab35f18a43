"""The quantities of mealscale."""


def quantities_rows(rows):
    return list(rows)
