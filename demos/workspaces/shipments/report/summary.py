"""Totals over loaded shipment rows."""

from collections import defaultdict


def total_by(rows, key, field):
    """Sum of field per distinct value of key, e.g. total_by(rows, "depot", "parcels")."""
    totals = defaultdict(float)
    for row in rows:
        totals[row[key]] += row[field]
    return dict(totals)
