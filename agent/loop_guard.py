"""Noticing a model that repeats itself.

Small models (and tired big ones) fall into loops: the same call, with the same arguments, again
and again, each time getting the same result. Nothing new can come of it, and in headless runs it
burns the whole turn budget. The guard counts such calls in a row within one user turn. From the
``limit``-th one on, the call is not run; the model gets a note instead (a tool result with
``error_kind="repeated"``) telling it to change course. If it still repeats ``grace`` more times,
the session stops the turn with the outcome ``loop``.

A call only counts as a repeat when the earlier ones gave the same result: polling a command whose
output changes is not a loop. ``limit=0`` turns the guard off.
"""

from __future__ import annotations

import json

from agent.messages import ToolCall


def call_key(call: ToolCall) -> str:
    """The tool and its arguments, independent of key order and of the call's id."""
    return json.dumps([call.name, call.arguments], sort_keys=True, ensure_ascii=False, default=str)


class LoopGuard:
    def __init__(self, limit: int = 5, grace: int = 2):
        self.limit, self.grace = limit, grace
        self.reset()

    def reset(self) -> None:
        """Forget the streak (a new user turn)."""
        self._key: str | None = None
        self._output: str | None = None
        self.streak = 0  # identical calls in a row, each with the same result (or not run)

    def repeats(self, call: ToolCall) -> int:
        """How many times in a row this exact call was just made, all with the same result."""
        return self.streak if self.limit and call_key(call) == self._key else 0

    def verdict(self, call: ToolCall) -> str:
        """``run``; ``nudge``: do not run it, tell the model it repeats itself; ``stop``: end the turn."""
        n = self.repeats(call)
        if not self.limit or n < self.limit - 1:
            return "run"
        return "stop" if n >= self.limit - 1 + self.grace else "nudge"

    def record(self, call: ToolCall, output: str, ran: bool = True) -> None:
        """Note a call and what came of it; a call that was not run extends the streak as it is."""
        key = call_key(call)
        if key == self._key and (not ran or output == self._output):
            self.streak += 1
        else:
            self._key, self._output, self.streak = key, output, 1

    def note(self, call: ToolCall) -> str:
        n = self.repeats(call) + 1
        return (f"not run: this is the {_ordinal(n)} identical {call.name} call in a row and its result has not changed. "
                "Running it again will not help. Do something different (another tool, other arguments, an edit), "
                "or stop calling tools and give your answer.")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
