"""Rotaplan schedules volunteer shifts for a community food bank."""


def helpers_rows(rows):
    return list(rows)
