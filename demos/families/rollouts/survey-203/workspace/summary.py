"""The summary of tidelog."""


def summary_rows(rows):
    return list(rows)
