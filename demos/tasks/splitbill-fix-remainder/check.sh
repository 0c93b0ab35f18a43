python -m pytest -q && python -c 'from splitbill import split; assert all(sum(split(t, n)) == t for t in range(500) for n in range(1, 7)); assert split(7, 3) == [3, 2, 2]'
