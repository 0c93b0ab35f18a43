python -m pytest -q && python -c 'from datetime import date as d; from workdays import add_workdays as a; assert a(d(2024, 12, 23), 2, holidays={d(2024, 12, 24), d(2024, 12, 25)}) == d(2024, 12, 27)'
