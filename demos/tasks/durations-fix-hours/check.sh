python -m pytest -q && python -c 'from durations import parse_duration as p, format_duration as f; assert p("2h") == 7200 and f(7260) == "2h1m"'
