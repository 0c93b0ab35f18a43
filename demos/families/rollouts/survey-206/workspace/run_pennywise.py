"""Run pennywise from the command line."""

import sys

from pennywise import journal

if __name__ == "__main__":
    print(journal.journal_rows(sys.argv[1:]))
