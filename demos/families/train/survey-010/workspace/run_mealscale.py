"""Run mealscale from the command line."""

import sys

from mealscale import quantities

if __name__ == "__main__":
    print(quantities.quantities_rows(sys.argv[1:]))
