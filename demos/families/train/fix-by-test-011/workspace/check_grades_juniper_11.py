from grades_juniper_11 import passing

got = passing([40, 50, 70], 50)
assert got == [50, 70], f"passing([40, 50, 70], 50) gave {got!r}, expected [50, 70]"
got = passing([10, 20], 30)
assert got == [], f"passing([10, 20], 30) gave {got!r}, expected []"
print('all checks passed')
