import pytest

from durations import format_duration, parse_duration


def test_parse():
    assert parse_duration("45s") == 45
    assert parse_duration("1h30m") == 5400
    assert parse_duration(" 2H ") == 7200


def test_parse_rejects_garbage():
    with pytest.raises(ValueError):
        parse_duration("1x")


def test_format():
    assert format_duration(5400) == "1h30m"
    assert format_duration(61) == "1m1s"
    assert format_duration(0) == "0s"
