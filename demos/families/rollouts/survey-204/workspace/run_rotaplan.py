"""Run rotaplan from the command line."""

import sys

from rotaplan import shifts

if __name__ == "__main__":
    print(shifts.shifts_rows(sys.argv[1:]))
