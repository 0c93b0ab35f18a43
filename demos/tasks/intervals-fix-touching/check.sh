python -m pytest -q && python -c 'from intervals import merge; assert merge([(5, 7), (1, 3), (3, 5)]) == [(1, 7)]'
