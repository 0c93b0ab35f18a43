"""``limi-cli data filter`` and ``dedupe``: choosing which rows (sessions, dataset rows) to train on."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from agent.curation.tokens import TokenCounter
from agent.rows import DatasetRow


@dataclass
class Criteria:
    """What a row must have to be kept. Empty fields do not filter."""

    outcomes: list[str] = field(default_factory=list)  # any of
    min_quality: int | None = None
    tags: list[str] = field(default_factory=list)  # all of
    min_tokens: int | None = None
    max_tokens: int | None = None
    tools: list[str] = field(default_factory=list)  # uses every one of these tools
    since: datetime | None = None
    until: datetime | None = None


def keep(t: DatasetRow, c: Criteria, counter: TokenCounter | None = None) -> str | None:
    """None when ``t`` passes ``c``; otherwise why it is dropped."""
    if c.outcomes and t.meta.get("outcome") not in c.outcomes:
        return f"outcome {t.meta.get('outcome') or 'unlabelled'} not in {', '.join(c.outcomes)}"
    if c.min_quality is not None and (t.meta.get("quality") or 0) < c.min_quality:
        return f"quality {t.meta.get('quality') or 'unrated'} < {c.min_quality}"
    missing = [tag for tag in c.tags if tag not in (t.meta.get("tags") or [])]
    if missing:
        return f"lacks tag(s) {', '.join(missing)}"
    used = {call.get("function", {}).get("name") for call in t.tool_calls()}
    unused = [name for name in c.tools if name not in used]
    if unused:
        return f"never calls {', '.join(unused)}"
    if c.since or c.until:
        created = t.meta.get("created")
        if not isinstance(created, (int, float)):
            return "no date (not from a session log)"
        when = datetime.fromtimestamp(created, timezone.utc)
        if c.since and when < c.since:
            return f"started {when:%Y-%m-%d}, before {c.since:%Y-%m-%d}"
        if c.until and when >= c.until:
            return f"started {when:%Y-%m-%d}, not before {c.until:%Y-%m-%d}"
    if c.min_tokens is not None or c.max_tokens is not None:
        if counter is None:
            raise ValueError("a token range needs a token counter")
        n = counter.count(t.row)
        if c.min_tokens is not None and n < c.min_tokens:
            return f"{n} tokens < {c.min_tokens}"
        if c.max_tokens is not None and n > c.max_tokens:
            return f"{n} tokens > {c.max_tokens}"
    return None


def parse_date(text: str) -> datetime:
    """``YYYY-MM-DD`` (UTC midnight) or a full ISO time."""
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def normalize_task(task: str) -> str:
    """The task as compared by dedupe and split: case and whitespace do not matter."""
    return " ".join(task.lower().split())


def action_text(t: DatasetRow) -> str:
    """What the agent did, as text: each assistant message's words and calls."""
    parts = []
    for m in t.row.get("messages", []):
        if m.get("role") == "assistant":
            parts.append(str(m.get("content") or ""))
            for c in m.get("tool_calls") or []:
                fn = c.get("function", {})
                parts.append(f"{fn.get('name')} {json.dumps(fn.get('arguments'), sort_keys=True)}")
    return "\n".join(parts)


def _rank(t: DatasetRow) -> tuple[Any, ...]:
    """Better first: higher quality, success over partial over fail, then earlier."""
    outcome = {"success": 0, "partial": 1, "fail": 2}.get(t.meta.get("outcome") or "", 3)
    return (-(t.meta.get("quality") or 0), outcome, t.meta.get("created") or 0, t.id)


def dedupe(rows: list[DatasetRow], threshold: float = 0.9) -> tuple[list[DatasetRow], list[tuple[DatasetRow, DatasetRow, float]]]:
    """Drop near-identical rows of the same task (actions similarity >= ``threshold``).

    Within a task the best-ranked copy is kept. Returns (kept in input order, list of
    (dropped, the one kept instead, similarity)).
    """
    groups: dict[str, list[DatasetRow]] = {}
    for t in rows:
        groups.setdefault(normalize_task(t.task), []).append(t)
    dropped: list[tuple[DatasetRow, DatasetRow, float]] = []
    dropped_ids: set[int] = set()
    for group in groups.values():
        kept: list[tuple[DatasetRow, str]] = []
        for t in sorted(group, key=_rank):
            text = action_text(t)
            match = None
            for other, other_text in kept:
                ratio = difflib.SequenceMatcher(None, text, other_text, autojunk=False).ratio()
                if ratio >= threshold:
                    match = (other, ratio)
                    break
            if match:
                dropped.append((t, match[0], round(match[1], 3)))
                dropped_ids.add(id(t))
            else:
                kept.append((t, text))
    return [t for t in rows if id(t) not in dropped_ids], dropped
