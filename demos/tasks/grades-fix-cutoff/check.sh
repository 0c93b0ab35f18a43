python -m pytest -q && python -c 'from grades import letter; assert [letter(s) for s in (90, 80, 70, 60, 59)] == list("ABCDF")'
