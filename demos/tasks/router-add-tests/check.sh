python -m pytest -q tests && [ "$(python -m pytest -q tests | tail -1 | cut -d" " -f1)" = 2 ]
