"""Waiting on conditions, never on the clock.

The suite runs on loaded 2-core machines: a test that sleeps a fixed time and then looks, or
that fires something after a fixed delay, passes when the machine is quiet and fails when it
is busy. These helpers wait for the thing the test is about (a line printed, a file written, a
process gone) and give up only after a deadline far longer than any healthy run needs. They
never assert how long the wait took.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, TypeVar

T = TypeVar("T")

DEADLINE_S = 60.0  # a bound on a wait, not an expectation: a healthy run is done in a fraction of it


def wait_until(predicate: Callable[[], T], timeout: float = DEADLINE_S, interval: float = 0.02, what: str = "") -> T:
    """Poll ``predicate`` until it returns something truthy and return that; AssertionError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting for {what or getattr(predicate, '__name__', 'a condition')}")
        time.sleep(interval)


class When(threading.Thread):
    """Runs ``action`` in a daemon thread as soon as ``predicate`` holds (instead of
    ``threading.Timer(delay, action)``, which fires too early on a busy machine).

    If the deadline passes first, ``action`` is not run and ``failed`` is set: the test then
    fails on what the action would have caused, or on that flag.
    """

    def __init__(self, predicate: Callable[[], object], action: Callable[[], object], timeout: float = DEADLINE_S):
        super().__init__(daemon=True)
        self.predicate, self.action, self.timeout = predicate, action, timeout
        self.failed = False
        self.start()

    def run(self) -> None:
        try:
            wait_until(self.predicate, self.timeout)
        except AssertionError:
            self.failed = True
            return
        self.action()
