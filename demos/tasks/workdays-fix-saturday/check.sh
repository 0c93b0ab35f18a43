python -m pytest -q && python -c 'from datetime import date; from workdays import add_workdays as a; assert a(date(2024, 6, 7), 1) == date(2024, 6, 10)'
