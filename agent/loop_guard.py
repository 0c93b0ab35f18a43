"""Noticing a model that repeats itself.

Small models (and tired big ones) fall into loops: the same call, with the same arguments, again
and again, or a short cycle of calls (read the file, run the tests, read the file, run the
tests...), each time getting the same results. Nothing new can come of it, and in headless runs
it burns the whole turn budget. The guard watches the calls of one user turn. When a call would
start the ``limit``-th round of such a cycle (a cycle of 1 to 3 calls), it is not run; the model
gets a note instead (a tool result with ``error_kind="repeated"``) telling it to change course.
If it still goes round ``grace`` more times, the session stops the turn with the outcome ``loop``.

A call only counts as a repeat when the earlier rounds gave the same results: polling a command
whose output changes is not a loop. ``limit=0`` turns the guard off.
"""

from __future__ import annotations

import json

from agent.messages import ToolCall

PERIODS = (1, 2, 3)  # cycle lengths watched: the same call, or two or three calls taking turns
_KEPT = 64  # calls remembered per turn


def call_key(call: ToolCall) -> str:
    """The tool and its arguments, independent of key order and of the call's id."""
    return json.dumps([call.name, call.arguments], sort_keys=True, ensure_ascii=False, default=str)


class LoopGuard:
    def __init__(self, limit: int = 5, grace: int = 2):
        self.limit, self.grace = limit, grace
        self.reset()

    def reset(self) -> None:
        """Forget the calls (a new user turn)."""
        self.history: list[tuple[str, str]] = []  # (call key, result) of this turn's calls

    def _rounds(self, key: str) -> tuple[int, int]:
        """(rounds, period): how many times the longest-running cycle that ``key`` would continue
        has already gone round, with unchanged results; (0, 0) when it continues none."""
        h, best = self.history, (0, 0)
        for p in PERIODS:
            if len(h) < p or h[-p][0] != key:
                continue
            run, i = 0, len(h) - 1
            while i - p >= 0 and h[i] == h[i - p]:
                run, i = run + 1, i - 1
            best = max(best, ((run + p) // p, p), key=lambda r: r[0])
        return best

    def repeats(self, call: ToolCall) -> int:
        """How many rounds of an unchanging cycle this call would repeat (0: none)."""
        return self._rounds(call_key(call))[0] if self.limit else 0

    def verdict(self, call: ToolCall) -> str:
        """``run``; ``nudge``: do not run it, tell the model it repeats itself; ``stop``: end the turn."""
        n = self.repeats(call)
        if not self.limit or n < self.limit - 1:
            return "run"
        return "stop" if n >= self.limit - 1 + self.grace else "nudge"

    def record(self, call: ToolCall, output: str, ran: bool = True) -> None:
        """Note a call and its result. A call that was not run stands for the result it repeats,
        so the cycle it belongs to goes on counting."""
        key = call_key(call)
        if not ran and (period := self._rounds(key)[1]):
            output = self.history[-period][1]
        self.history = [*self.history[-_KEPT + 1:], (key, output)]

    def note(self, call: ToolCall) -> str:
        n, period = self._rounds(call_key(call))
        if period <= 1:
            what = f"this is the {_ordinal(n + 1)} identical {call.name} call in a row"
        else:
            names = ", ".join(json.loads(k)[0] for k, _ in self.history[-period:])
            what = f"your last calls go round a cycle ({names}) for the {_ordinal(n + 1)} time"
        return (f"not run: {what}, and the results have not changed. Running it again will not help. Do something "
                "different (another tool, other arguments, an edit), or stop calling tools and give your answer.")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
