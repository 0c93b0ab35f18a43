"""The scripted model's pacing: a paced stream keeps its schedule when its reader is late (as a
server's stream does), an unpaced one sleeps after every chunk. A fake clock, no real sleeps."""

from __future__ import annotations

import pytest

from agent.backends import scripted
from agent.backends.scripted import ScriptedBackend
from agent.messages import Sampling


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def perf_counter(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        assert s >= 0
        self.sleeps.append(s)
        self.now += s


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(scripted, "time", fake)
    return fake


def arrivals(backend: ScriptedBackend, clock: FakeClock, busy_after_first: float) -> list[float]:
    """When each text chunk reached a reader that is busy for ``busy_after_first`` s after the first."""
    times = []
    for chunk in backend.stream([], [], Sampling()):
        if chunk.kind == "text":
            times.append(clock.now)
            if len(times) == 1:
                clock.now += busy_after_first
    return times


def test_a_paced_stream_keeps_its_schedule_when_the_reader_is_late(clock):
    backend = ScriptedBackend(["abcdefghij"], chunk_chars=1, delay_s=0.01, paced=True)
    times = arrivals(backend, clock, busy_after_first=0.05)
    assert len(times) == 10
    # chunks 2-5 were due while the reader was busy: they come at once, then the schedule goes on
    assert times[:6] == pytest.approx([0.01, 0.06, 0.06, 0.06, 0.06, 0.06])
    assert times[6:] == pytest.approx([0.07, 0.08, 0.09, 0.10])


def test_an_unpaced_stream_sleeps_after_every_chunk_and_falls_behind(clock):
    backend = ScriptedBackend(["abcdefghij"], chunk_chars=1, delay_s=0.01)
    times = arrivals(backend, clock, busy_after_first=0.05)
    assert clock.sleeps == pytest.approx([0.01] * 10)
    assert times[-1] == pytest.approx(0.15)  # the 0.05 s the reader was busy is added to the stream's time
