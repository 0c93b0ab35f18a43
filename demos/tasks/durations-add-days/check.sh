python -m pytest -q && python -c 'from durations import parse_duration as p, format_duration as f; assert p("1d2h") == 93600 and f(90000) == "1d1h" and f(86400) == "1d" and p("3m") == 180'
