"""The ballots of ballotbox."""


def ballots_rows(rows):
    return list(rows)
