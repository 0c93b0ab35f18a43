python -m pytest -q && ! grep -qw number pager.py && python -c 'import inspect, pager; assert list(inspect.signature(pager.get_page).parameters) == ["items", "page_number", "per_page"]'
