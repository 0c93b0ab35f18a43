"""Run dupefinder from the command line."""

import sys

from dupefinder import fingerprints

if __name__ == "__main__":
    print(fingerprints.fingerprints_rows(sys.argv[1:]))
