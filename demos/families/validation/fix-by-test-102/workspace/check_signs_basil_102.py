from signs_basil_102 import describe

got = describe(3)
assert got == 'positive', f"describe(3) gave {got!r}, expected 'positive'"
got = describe(-2)
assert got == 'negative', f"describe(-2) gave {got!r}, expected 'negative'"
got = describe(0)
assert got == 'zero', f"describe(0) gave {got!r}, expected 'zero'"
print('all checks passed')
