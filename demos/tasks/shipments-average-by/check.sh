python -m pytest -q && python -c 'from report.summary import average_by as a; assert a([{"k": 1, "v": 2}, {"k": 1, "v": 4}, {"k": 2, "v": 5}], "k", "v") == {1: 3.0, 2: 5.0}'
