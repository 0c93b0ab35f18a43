python -m pytest -q && python -c 'from flags import is_enabled as e; assert e("x", {"FLAG_X": " on "}) and not e("x", {"FLAG_X": "\toff"})'
