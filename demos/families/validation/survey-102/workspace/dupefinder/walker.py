"""The walker of dupefinder."""


def walker_rows(rows):
    return list(rows)
