python -m pytest -q && python -c 'from report.loader import load_rows; r = load_rows("exports/april.csv"); assert r[1]["parcels"] == 0 and r[2]["weight_kg"] == 0.0 and r[0]["parcels"] == 3'
