"""Run busnext from the command line."""

import sys

from busnext import timetable

if __name__ == "__main__":
    print(timetable.timetable_rows(sys.argv[1:]))
