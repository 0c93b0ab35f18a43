"""llama.cpp's thread count: physical cores less the busy ones, chosen under a real load."""

from __future__ import annotations

import subprocess
import sys
import time

from agent.backends.threads import busy_cpus, choose_threads, default_threads, physical_cores


def test_choose_threads_leaves_busy_cores_alone():
    assert choose_threads(2, 0.0) == 2
    assert choose_threads(2, 1.0) == 1
    assert choose_threads(2, 2.0) == 1  # never none
    assert choose_threads(8, 2.6) == 5
    assert choose_threads(4, 0.3) == 4


def test_physical_cores_is_within_what_the_process_may_use():
    import os

    assert 1 <= physical_cores() <= len(os.sched_getaffinity(0))


def test_a_busy_process_takes_a_thread_away():
    """With one process spinning, at least one CPU's worth of work shows and fewer threads are chosen."""
    cores = physical_cores()
    spinner = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdout.write('go\\n'); sys.stdout.flush()\nwhile True: pass"],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert spinner.stdout.readline() == "go\n"  # it is running its loop now
        deadline = time.monotonic() + 60  # a bound, not an expectation
        busy = busy_cpus(0.5)
        while busy < 0.75 and time.monotonic() < deadline:  # a scheduler that has not given it a CPU yet
            busy = busy_cpus(0.5)
        assert busy >= 0.75
        assert default_threads() <= max(1, cores - 1)
    finally:
        spinner.kill()
        spinner.wait()
