import pytest

from flags import is_enabled


def test_on_off():
    assert is_enabled("beta", {"FLAG_BETA": "on"})
    assert not is_enabled("beta", {"FLAG_BETA": "off"})
    assert is_enabled("beta", {"FLAG_BETA": " TRUE "})


def test_default():
    assert is_enabled("beta", {}, default=True)
    assert not is_enabled("beta", {})


def test_garbage():
    with pytest.raises(ValueError):
        is_enabled("beta", {"FLAG_BETA": "maybe"})
