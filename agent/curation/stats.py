"""``limi-cli data stats``: what a set of rows (sessions, dataset rows) holds (LIMI reports 13k-152k tokens,
42.4k on average, for its 78 rows)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from agent.curation.tokens import TokenCounter
from agent.rows import DatasetRow


@dataclass
class DatasetStats:
    trajectories: int = 0
    turns: int = 0  # assistant messages
    tool_calls: int = 0
    tool_errors: int = 0
    calls_per_tool: Counter[str] = field(default_factory=Counter)
    tokens: list[int] = field(default_factory=list)
    tokenizer: str = ""
    outcomes: Counter[str] = field(default_factory=Counter)
    quality: Counter[str] = field(default_factory=Counter)

    @property
    def error_rate(self) -> float:
        return self.tool_errors / self.tool_calls if self.tool_calls else 0.0

    def as_dict(self) -> dict[str, Any]:
        t = self.tokens
        return {
            "trajectories": self.trajectories,
            "turns": self.turns,
            "tool_calls": self.tool_calls,
            "tool_errors": self.tool_errors,
            "error_rate": round(self.error_rate, 4),
            "calls_per_tool": dict(self.calls_per_tool.most_common()),
            "tokens": {"tokenizer": self.tokenizer, "min": min(t) if t else 0, "mean": round(sum(t) / len(t), 1) if t else 0,
                       "max": max(t) if t else 0, "total": sum(t)},
            "outcomes": dict(self.outcomes),
            "quality": dict(sorted(self.quality.items())),
        }

    def text(self) -> str:
        d = self.as_dict()
        tok = d["tokens"]
        lines = [
            f"trajectories  {d['trajectories']}",
            f"turns         {d['turns']} (assistant messages)",
            f"tool calls    {d['tool_calls']}, {d['tool_errors']} errors ({d['error_rate']:.1%})",
            *(f"  {name:<12}{n}" for name, n in d["calls_per_tool"].items()),
            f"tokens        min {tok['min']}  mean {tok['mean']}  max {tok['max']}  total {tok['total']}  [{tok['tokenizer']}]",
            "outcome       " + ("  ".join(f"{k} {v}" for k, v in d["outcomes"].items()) or "-"),
            "quality       " + ("  ".join(f"{k}: {v}" for k, v in d["quality"].items()) or "-"),
        ]
        return "\n".join(lines)


def compute_stats(trajectories: list[DatasetRow], counter: TokenCounter | None) -> DatasetStats:
    """Stats of ``trajectories``; tokens only when a ``counter`` is given."""
    s = DatasetStats(tokenizer=counter.name if counter else "not counted")
    for t in trajectories:
        s.trajectories += 1
        messages = t.row.get("messages", [])
        s.turns += sum(m.get("role") == "assistant" for m in messages)
        calls = t.tool_calls()
        s.tool_calls += len(calls)
        s.calls_per_tool.update(c.get("function", {}).get("name", "?") for c in calls)
        s.tool_errors += tool_errors(t)
        if counter is not None:
            s.tokens.append(counter.count(t.row))
        s.outcomes[t.meta.get("outcome") or "unlabelled"] += 1
        q = t.meta.get("quality")
        s.quality[str(q) if q is not None else "unrated"] += 1
    return s


def tool_errors(t: DatasetRow) -> int:
    """Tool results that were errors: from the log when known, else results starting ``Error:``."""
    if isinstance(t.meta.get("tool_errors"), int):
        return t.meta["tool_errors"]
    return sum(m.get("role") == "tool" and str(m.get("content") or "").startswith("Error:") for m in t.row.get("messages", []))
