"""ShareGPT rows for LLaMA-Factory: ``conversations`` of ``{from, value}``, ``system``, ``tools``.

Roles are ``human``, ``gpt``, ``function_call`` and ``observation`` and must alternate
strictly: human/observation at odd positions, gpt/function_call at even ones. So:

- an assistant message with tool calls becomes one ``function_call`` whose value is the
  call as ``{"name", "arguments"}`` JSON (a JSON list when it made several calls); its
  text and reasoning go first in a ``<think>...</think>`` block, which LLaMA-Factory's
  function formatter splits off as the thought (so the reasoning is not lost);
- its tool results become one ``observation`` (a JSON list of the outputs for several);
- ``tools`` is the JSON text of the function specs (LLaMA-Factory's convention).

A conversation that cannot alternate (two user messages in a row, a system message in
the middle) is not written; the report names it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent.rows import DatasetRow, write_atomic, write_jsonl, write_manifest

_ODD, _EVEN = ("human", "observation"), ("gpt", "function_call")


class ShareGPTError(ValueError):
    """The conversation cannot be written as strictly alternating ShareGPT turns."""


def to_sharegpt(row: dict[str, Any]) -> dict[str, Any]:
    """One LIMI row as a LLaMA-Factory ShareGPT row."""
    messages = row.get("messages", [])
    system = ""
    turns: list[dict[str, str]] = []
    i = 0
    while i < len(messages):
        m = messages[i]
        role = m.get("role")
        if role == "system":
            if i != 0:
                raise ShareGPTError(f"messages[{i}]: a system message in the middle")
            system = m.get("content") or ""
        elif role == "user":
            turns.append({"from": "human", "value": m.get("content") or ""})
        elif role == "assistant" and m.get("tool_calls"):
            turns.append({"from": "function_call", "value": _call_value(m)})
            results = []
            while i + 1 < len(messages) and messages[i + 1].get("role") == "tool":
                i += 1
                results.append(messages[i].get("content") or "")
            if results:
                turns.append({"from": "observation", "value": results[0] if len(results) == 1 else json.dumps(results, ensure_ascii=False)})
        elif role == "assistant":
            turns.append({"from": "gpt", "value": _thought(m) + (m.get("content") or "")})
        else:
            raise ShareGPTError(f"messages[{i}]: a {role} message where none is expected")
        i += 1
    for k, turn in enumerate(turns):
        allowed = _ODD if k % 2 == 0 else _EVEN
        if turn["from"] not in allowed:
            raise ShareGPTError(f"turn {k + 1} is {turn['from']}, expected {' or '.join(allowed)} (strict alternation)")
    out: dict[str, Any] = {"conversations": turns}
    if system:
        out["system"] = system
    if row.get("tools"):
        out["tools"] = json.dumps([t.get("function", t) for t in row["tools"]], ensure_ascii=False)
    return out


def _thought(m: dict[str, Any]) -> str:
    reasoning = m.get("reasoning_content") or ""
    return f"<think>\n{reasoning}\n</think>\n\n" if reasoning else ""


def _call_value(m: dict[str, Any]) -> str:
    calls = [{"name": c["function"]["name"], "arguments": c["function"].get("arguments", {})} for c in m["tool_calls"]]
    body = json.dumps(calls[0] if len(calls) == 1 else calls, ensure_ascii=False)
    thought = "\n".join(x for x in (m.get("reasoning_content") or "", m.get("content") or "") if x)
    return f"<think>\n{thought}\n</think>\n\n{body}" if thought else body


def export_sharegpt(rows_in: list[DatasetRow], out: Path, *, command: str,
                    skipped: list[tuple[str, str]] | None = None) -> tuple[Path, list[str]]:
    """Write ShareGPT rows (JSONL for ``.jsonl``, else a JSON array); returns the manifest
    path and one ``source: reason`` line per row left out (also added to ``skipped``, the
    inputs the caller left out; the manifest lists them all)."""
    skipped = [] if skipped is None else skipped
    rows, kept, mine = [], [], []
    for t in rows_in:
        try:
            rows.append(to_sharegpt(t.row))
            kept.append(t)
        except ShareGPTError as e:
            mine.append((t.origin or t.id, str(e)))
    skipped += mine
    if out.suffix == ".jsonl":
        lines = write_jsonl(out, rows)
    else:
        lines = [json.dumps(r, ensure_ascii=False).encode() for r in rows]
        write_atomic(out, (json.dumps(rows, ensure_ascii=False, indent=1) + "\n").encode())
    manifest = write_manifest(out, "sharegpt", kept, lines, command=command, skipped=skipped, extra={
        "dataset_info": {out.stem: {"file_name": out.name, "formatting": "sharegpt",
                                    "columns": {"messages": "conversations", "system": "system", "tools": "tools"}}},
    })
    return manifest, [f"{s}: {r}" for s, r in mine]
