#!/usr/bin/env python3
"""Command line for the shop."""
import argparse
import sys

from shop.orders import main as run_orders, place


def parse_args(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("owner")
    parser.add_argument("skus", nargs="*")
    return parser.parse_args(argv)


def cli(argv=None):
    args = parse_args(argv)
    if not args.skus:
        run_orders()
        return 0
    print(place(args.owner, args.skus))
    return 0


sys.exit(cli()) if __name__ == "__main__" else None
