from series_falcon_103 import last_n

got = last_n([1, 2, 3, 4], 2)
assert got == [3, 4], f"last_n([1, 2, 3, 4], 2) gave {got!r}, expected [3, 4]"
got = last_n(['a', 'b', 'c'], 3)
assert got == ['a', 'b', 'c'], f"last_n(['a', 'b', 'c'], 3) gave {got!r}, expected ['a', 'b', 'c']"
print('all checks passed')
