"""Run tidelog from the command line."""

import sys

from tidelog import readings

if __name__ == "__main__":
    print(readings.readings_rows(sys.argv[1:]))
