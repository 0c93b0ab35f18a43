"""Run shelfkeeper from the command line."""

import sys

from shelfkeeper import borrowers

if __name__ == "__main__":
    print(borrowers.borrowers_rows(sys.argv[1:]))
