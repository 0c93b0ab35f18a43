from bounds_zephyr_5 import clamp

got = clamp(5, 0, 10)
assert got == 5, f"clamp(5, 0, 10) gave {got!r}, expected 5"
got = clamp(-4, 0, 10)
assert got == 0, f"clamp(-4, 0, 10) gave {got!r}, expected 0"
got = clamp(99, 0, 10)
assert got == 10, f"clamp(99, 0, 10) gave {got!r}, expected 10"
print('all checks passed')
