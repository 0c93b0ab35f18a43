"""Rotaplan schedules volunteer shifts for a community food bank."""


def slots_rows(rows):
    return list(rows)
