python -m pytest -q && python -c 'from pager import page_count as c; assert (c(11, 5), c(10, 5), c(0, 5), c(1, 1)) == (3, 2, 0, 1)'
