import pytest

from retry import retry


def flaky(failures):
    calls = []

    def f():
        calls.append(1)
        if len(calls) <= failures:
            raise OSError("busy")
        return len(calls)

    return f, calls


def test_succeeds_after_failures():
    f, calls = flaky(2)
    assert retry(times=3)(f)() == 3


def test_gives_up():
    f, calls = flaky(5)
    with pytest.raises(OSError):
        retry(times=3)(f)()
    assert len(calls) == 3


def test_other_exceptions_not_retried():
    calls = []

    @retry(times=3, exceptions=(OSError,))
    def g():
        calls.append(1)
        raise KeyError("x")

    with pytest.raises(KeyError):
        g()
    assert len(calls) == 1
