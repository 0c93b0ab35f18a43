"""Retry a flaky call a few times before giving up."""

import functools
import time


def retry(times=3, exceptions=(Exception,), delay_s=0.0, sleep=time.sleep):
    """Decorator: call the function up to `times` times while it raises one of `exceptions`."""
    if times < 1:
        raise ValueError("times must be at least 1")

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for attempt in range(1, times + 1):
                try:
                    return func(*args, **kwargs)
                except exceptions:
                    if attempt == times:
                        raise
                    sleep(delay_s)
        return wrapper

    return decorate
