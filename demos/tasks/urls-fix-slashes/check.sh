python -m pytest -q && python -c 'from urls import join_url as j; assert j("http://h/", "/a/", "b/") == "http://h/a/b"'
