"""Run ballotbox from the command line."""

import sys

from ballotbox import ballots

if __name__ == "__main__":
    print(ballots.ballots_rows(sys.argv[1:]))
