"""ATIF (Agent Trajectory Interchange Format, Harbor / Terminal-Bench) import and export.

One ATIF trajectory is ``{schema_version, session_id, agent, steps[], final_metrics}``;
a step is ``{step_id, source: system|user|agent, message, reasoning_content?,
tool_calls[{tool_call_id, function_name, arguments}], observation{results[{source_call_id,
content}]}, metrics, timestamp}``. A LIMI row maps onto it one step per message (an agent
step carries its calls and, in ``observation``, their results).

Import keeps everything the row cannot hold (top-level fields, each step's ``step_id``,
``metrics``, ``timestamp`` and other keys) in ``meta["atif"]``, and export puts it back,
so ATIF -> dataset -> ATIF gives the same trajectory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent import __version__
from agent.rows import DatasetRow, write_atomic, write_manifest

SCHEMA_VERSION = "ATIF-v1.6"
_STEP_CORE = {"source", "message", "reasoning_content", "tool_calls", "observation"}
_ROLE = {"system": "system", "user": "user", "agent": "assistant"}


def is_atif(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("steps"), list) and "messages" not in obj


def to_row(obj: dict[str, Any], origin: str) -> DatasetRow:
    """An ATIF trajectory as a LIMI row plus ``meta``; raises ValueError naming the step."""
    messages: list[dict[str, Any]] = []
    step_extras = []
    for n, step in enumerate(obj["steps"]):
        if not isinstance(step, dict) or step.get("source") not in _ROLE:
            raise ValueError(f"steps[{n}]: expected an object with source system, user or agent")
        step_extras.append({k: v for k, v in step.items() if k not in _STEP_CORE})
        message = step.get("message", "")
        if not isinstance(message, str):
            raise ValueError(f"steps[{n}]: message is not a string (multimodal parts are not supported)")
        out: dict[str, Any] = {"role": _ROLE[step["source"]], "content": message}
        if step.get("reasoning_content") is not None:
            out["reasoning_content"] = step["reasoning_content"]
        names = {}
        if step.get("tool_calls"):
            out["tool_calls"] = []
            for c in step["tool_calls"]:
                names[c["tool_call_id"]] = c["function_name"]
                out["tool_calls"].append({"id": c["tool_call_id"], "type": "function",
                                          "function": {"name": c["function_name"], "arguments": c.get("arguments", {})}})
        messages.append(out)
        for r in (step.get("observation") or {}).get("results", []):
            content = r.get("content", "")
            messages.append({"role": "tool", "tool_call_id": r.get("source_call_id"),
                             "name": names.get(r.get("source_call_id"), ""),
                             "content": content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)})
    top = {k: v for k, v in obj.items() if k != "steps"}
    agent = obj.get("agent") or {}
    tools = agent.get("tool_definitions") or []
    meta = {"source_format": "atif", "source": origin, "model": agent.get("model_name"),
            "atif": {"top": top, "steps": step_extras}}
    tid = str(obj.get("session_id") or obj.get("trajectory_id") or Path(origin).stem)
    return DatasetRow(tid, {"tools": tools, "messages": messages}, meta, origin)


def from_row(t: DatasetRow) -> dict[str, Any]:
    """The ATIF trajectory of ``t`` (with what an ATIF import kept restored)."""
    saved = t.meta.get("atif") or {}
    extras = saved.get("steps") or []
    messages = t.row.get("messages", [])
    steps: list[dict[str, Any]] = []
    for m in messages:
        role = m.get("role")
        if role == "tool":
            if not steps or steps[-1]["source"] != "agent":
                raise ValueError("a tool message without an agent step before it")
            obs = steps[-1].setdefault("observation", {"results": []})
            obs["results"].append({"source_call_id": m.get("tool_call_id"), "content": m.get("content") or ""})
            continue
        source = {"system": "system", "user": "user", "assistant": "agent"}[role]
        step: dict[str, Any] = {"step_id": len(steps) + 1, "source": source, "message": m.get("content") or ""}
        if m.get("reasoning_content") is not None:
            step["reasoning_content"] = m["reasoning_content"]
        if m.get("tool_calls"):
            step["tool_calls"] = [{"tool_call_id": c["id"], "function_name": c["function"]["name"],
                                   "arguments": c["function"].get("arguments", {})} for c in m["tool_calls"]]
        steps.append(step)
    for step, extra in zip(steps, extras):
        step.update(extra)
    if saved.get("top"):
        top = dict(saved["top"])
    else:
        agent: dict[str, Any] = {"name": "limi-cli", "version": __version__, "model_name": t.meta.get("model") or "unknown"}
        if t.row.get("tools"):
            agent["tool_definitions"] = t.row["tools"]
        top = {"schema_version": SCHEMA_VERSION, "session_id": t.id, "agent": agent,
               "final_metrics": {"total_steps": len(steps)}}
    return {**top, "steps": steps}


def export_atif(rows: list[DatasetRow], out: Path, *, command: str,
                skipped: list[tuple[str, str]] | None = None) -> tuple[Path, list[str]]:
    """One ``<id>.json`` per row in the directory ``out``, and ``manifest.json``. Returns the
    manifest path and one ``source: reason`` line per row left out; ``skipped`` (inputs the
    caller already left out) gets those rows too, and the manifest lists them all."""
    out.mkdir(parents=True, exist_ok=True)
    skipped = [] if skipped is None else skipped
    kept, lines, mine = [], [], []
    for t in rows:
        try:
            data = json.dumps(from_row(t), ensure_ascii=False, indent=2).encode()
        except (ValueError, KeyError) as e:
            mine.append((t.origin or t.id, str(e)))
            continue
        write_atomic(out / f"{_safe(t.id)}.json", data + b"\n")
        kept.append(t)
        lines.append(data)
    skipped += mine
    return write_manifest(out, "atif", kept, lines, command=command, skipped=skipped), [f"{s}: {r}" for s, r in mine]


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name) or "trajectory"
