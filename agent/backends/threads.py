"""How many CPU threads llama.cpp should use: the physical cores this process may run on, less
the ones other processes keep busy right now.

llama.cpp's threads wait for each other at every layer, so one thread stuck behind another
busy process stalls them all: with both cores of a 2-core machine asked for while one is busy,
decoding drops from ~100 to ~0.35 tokens/s. ``LIMI_N_THREADS`` (the ``n_threads`` setting)
overrides the choice.
"""

from __future__ import annotations

import os
import time

SAMPLE_S = 0.1  # how long /proc/stat is watched to see how busy the machine is


def physical_cores() -> int:
    """Distinct (package, core) pairs in /proc/cpuinfo among the CPUs this process may use."""
    allowed = _allowed_cpus()
    cores: set[tuple[str, str]] = set()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            blocks = f.read().split("\n\n")
    except OSError:
        return len(allowed)
    for block in blocks:
        fields = dict(line.split(":", 1) for line in block.splitlines() if ":" in line)
        fields = {k.strip(): v.strip() for k, v in fields.items()}
        if "processor" not in fields or int(fields["processor"]) not in allowed:
            continue
        cores.add((fields.get("physical id", "0"), fields.get("core id", fields["processor"])))
    return min(len(cores), len(allowed)) if cores else len(allowed)


def busy_cpus(sample_s: float = SAMPLE_S) -> float:
    """How many CPUs' worth of work other processes did over ``sample_s`` seconds (0 when unknown)."""
    first = _cpu_times()
    if first is None:
        return 0.0
    time.sleep(sample_s)  # a measurement window, not a wait for an event
    second = _cpu_times()
    if second is None:
        return 0.0
    busy = (second[0] - first[0]) / max(second[1] - first[1], 1)
    return busy * (os.cpu_count() or 1)


def choose_threads(cores: int, busy: float) -> int:
    """One thread per physical core that is not busy, at least one."""
    return max(1, min(cores, cores - int(busy + 0.5)))


def default_threads() -> int:
    return choose_threads(physical_cores(), busy_cpus())


def _allowed_cpus() -> set[int]:
    try:
        return set(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return set(range(os.cpu_count() or 1))


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies over all CPUs from /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            values = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return total - idle, total
