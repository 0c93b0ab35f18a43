python -m pytest -q && grep -q 'range(1, times + 1)' retry.py
