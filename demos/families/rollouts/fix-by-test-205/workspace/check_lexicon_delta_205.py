from lexicon_delta_205 import longest

got = longest(['ox', 'heron', 'emu'])
assert got == 'heron', f"longest(['ox', 'heron', 'emu']) gave {got!r}, expected 'heron'"
got = longest(['kiwi'])
assert got == 'kiwi', f"longest(['kiwi']) gave {got!r}, expected 'kiwi'"
print('all checks passed')
