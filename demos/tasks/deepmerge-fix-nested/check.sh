python -m pytest -q && python -c 'from merge import deep_merge as m; assert m({"a": {"b": {"c": 1, "d": 2}}}, {"a": {"b": {"d": 3}}}) == {"a": {"b": {"c": 1, "d": 3}}}'
