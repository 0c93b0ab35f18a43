python -m unittest -q 2>/dev/null && python -c 'from caseconv import snake_to_camel as s; assert s("a_b_c") == "aBC" and s("x") == "x"'
