python -m unittest -q 2>/dev/null && python -c 'from caseconv import to_kebab as k; assert k("aB") == "a-b" and k("a_b") == "a-b"'
