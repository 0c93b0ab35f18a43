python -m pytest -q && python -c 'from flags import enabled_flags as f; assert f({"FLAG_B": "1", "FLAG_A": "TRUE", "FLAG_C": "no", "FLAG_D": "??"}) == ["a", "b"]'
