from merge import deep_merge


def test_flat_override():
    assert deep_merge({"a": 1, "b": 2}, {"b": 3}) == {"a": 1, "b": 3}


def test_nested_merge():
    base = {"db": {"host": "localhost", "port": 5432}}
    assert deep_merge(base, {"db": {"port": 6543}}) == {"db": {"host": "localhost", "port": 6543}}


def test_base_untouched():
    base = {"db": {"port": 1}}
    deep_merge(base, {"db": {"port": 2}})
    assert base == {"db": {"port": 1}}
