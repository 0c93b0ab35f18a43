"""Tidelog turns raw tide gauge readings into hourly summaries."""

import sys

from tidelog import readings

if __name__ == "__main__":
    print(readings.readings_rows(sys.argv[1:]))
