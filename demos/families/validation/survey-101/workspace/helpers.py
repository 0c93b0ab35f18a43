"""The helpers of rotaplan."""


def helpers_rows(rows):
    return list(rows)
