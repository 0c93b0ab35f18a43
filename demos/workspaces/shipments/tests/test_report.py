from pathlib import Path

from report.loader import load_rows
from report.summary import total_by

DATA = Path(__file__).parent / "shipments.csv"


def test_load_rows():
    rows = load_rows(DATA)
    assert rows[0] == {"depot": "north", "destination": "Leeds", "parcels": 3, "weight_kg": 24.5}


def test_total_by():
    rows = load_rows(DATA)
    assert total_by(rows, "depot", "parcels") == {"north": 5, "south": 4}
