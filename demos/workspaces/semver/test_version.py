import pytest

from version import newer, parse


def test_parse():
    assert parse("1.4.2") == (1, 4, 2)
    assert parse("v2.0.10") == (2, 0, 10)


def test_parse_bad():
    with pytest.raises(ValueError):
        parse("1.2")


def test_newer():
    assert newer("1.2.0", "1.1.9")
    assert not newer("1.0.0", "1.0.0")
