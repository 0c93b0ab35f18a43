python -m pytest -q && python -c 'from version import newer; assert newer("1.10.0", "1.9.0") and not newer("1.9.0", "1.10.0") and newer("v2.0.0", "1.99.99")'
