"""Ballotbox counts the votes of a club election and announces the winner."""

import sys

from ballotbox import ballots

if __name__ == "__main__":
    print(ballots.ballots_rows(sys.argv[1:]))
