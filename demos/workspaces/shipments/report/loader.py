"""Load shipment rows from a CSV export."""

import csv

NUMERIC = {"parcels": int, "weight_kg": float}


def load_rows(path):
    """Rows of the CSV as dicts, with the NUMERIC columns converted."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        for column, convert in NUMERIC.items():
            row[column] = convert(row[column])
    return rows
