"""The recipes of mealscale."""


def recipes_rows(rows):
    return list(rows)
