python -m pytest -q && python -c 'from urls import with_query as w; assert w("u?a=1", b="x y") == "u?a=1&b=x+y" and w("u", a=None) == "u" and w("u", a=1) == "u?a=1"'
