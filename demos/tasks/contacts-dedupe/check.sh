python -c '
import csv
rows = list(csv.DictReader(open("contacts_clean.csv")))
assert len(rows) == 10, len(rows)
emails = [r["email"].lower() for r in rows]
assert len(set(emails)) == 10 and emails[0] == "anna.schmidt@example.com" and rows[-1]["name"] == "Jan Novak"'
