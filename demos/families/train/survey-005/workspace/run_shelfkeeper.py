"""Run shelfkeeper from the command line."""

import sys

from shelfkeeper import loans

if __name__ == "__main__":
    print(loans.loans_rows(sys.argv[1:]))
