from tally_heron_8 import count_multiples

got = count_multiples(10, 5)
assert got == 2, f"count_multiples(10, 5) gave {got!r}, expected 2"
got = count_multiples(9, 3)
assert got == 3, f"count_multiples(9, 3) gave {got!r}, expected 3"
got = count_multiples(4, 7)
assert got == 0, f"count_multiples(4, 7) gave {got!r}, expected 0"
print('all checks passed')
