"""The conversions of mealscale."""


def conversions_rows(rows):
    return list(rows)
