"""ATIF (Agent Trajectory Interchange Format, Harbor / Terminal-Bench) import and export.

One ATIF trajectory is ``{schema_version, session_id, agent, steps[], final_metrics}``;
a step is ``{step_id, source: system|user|agent, message, reasoning_content?,
tool_calls[{tool_call_id, function_name, arguments}], observation{results[{source_call_id,
content}]}, metrics, timestamp}``. A LIMI row maps onto it one step per message (an agent
step carries its calls and, in ``observation``, their results).

Import keeps everything the row cannot hold (top-level fields, each step's ``step_id``,
``metrics``, ``timestamp`` and other keys) in ``meta["atif"]``, and export puts it back,
so ATIF -> dataset -> ATIF gives the same trajectory.

Subagents (ATIF-v1.7): a subagent's row (``meta.parent_session_id``, ``parent_tool_call_id``)
exported with its parent's is embedded in the parent's ``subagent_trajectories`` (its
``trajectory_id`` is its session id) and the task call's observation result points at it
(``subagent_trajectory_ref``); exported without its parent it is a file of its own. Import
makes each embedded trajectory a row of its own again, linked to its parent the same way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent import __version__
from agent.rows import DatasetRow, write_atomic, write_manifest

SCHEMA_VERSION = "ATIF-v1.6"
SUBAGENTS_VERSION = "ATIF-v1.7"  # subagent_trajectories and trajectory_id came with it
_STEP_CORE = {"source", "message", "reasoning_content", "tool_calls", "observation"}
_ROLE = {"system": "system", "user": "user", "agent": "assistant"}


def is_atif(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("steps"), list) and "messages" not in obj


def to_rows(obj: dict[str, Any], origin: str) -> list[DatasetRow]:
    """An ATIF trajectory and the subagents embedded in it (``subagent_trajectories``, each a
    row of its own, after its parent, linked to it by ``meta.parent_session_id`` and
    ``parent_tool_call_id``); raises ValueError naming the step."""
    parent = to_row({k: v for k, v in obj.items() if k != "subagent_trajectories"}, origin)
    rows = [parent]
    calls = {}  # trajectory_id -> the call whose result refers to it
    for step in obj.get("steps") or []:
        for result in ((step.get("observation") or {}).get("results") or []) if isinstance(step, dict) else []:
            for ref in (result.get("subagent_trajectory_ref") or []) if isinstance(result, dict) else []:
                if isinstance(ref, dict) and ref.get("trajectory_id"):
                    calls[ref["trajectory_id"]] = result.get("source_call_id")
    subs = obj.get("subagent_trajectories") or []
    if not isinstance(subs, list):
        raise ValueError("subagent_trajectories is not a list")
    ids = []
    for i, sub in enumerate(subs):
        where = f"{origin}.subagent_trajectories[{i}]"
        if not is_atif(sub):
            raise ValueError(f"subagent_trajectories[{i}]: not an ATIF trajectory (no steps)")
        tid = sub.get("trajectory_id") or sub.get("session_id") or f"{parent.id}-subagent-{i + 1}"
        children = to_rows(sub, where)
        children[0].id = str(tid)  # the canonical id of an embedded trajectory
        children[0].meta.update({"parent_session_id": parent.id, "parent_tool_call_id": calls.get(tid)})
        ids.append(children[0].id)
        rows += children
    if ids:
        parent.meta["subagents"] = ids
    return rows


def to_row(obj: dict[str, Any], origin: str) -> DatasetRow:
    """An ATIF trajectory as a LIMI row plus ``meta`` (its ``subagent_trajectories``, if any, are
    kept there as they are: :func:`to_rows` makes rows of them); raises ValueError naming the step."""
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


def from_row(t: DatasetRow, subagents: dict[str, list[DatasetRow]] | None = None,
             trajectory_id: str | None = None) -> dict[str, Any]:
    """The ATIF trajectory of ``t`` (with what an ATIF import kept restored). ``subagents``:
    rows by the id of the session that ran them; those of ``t`` are embedded in it, each with
    its ``trajectory_id``."""
    mine = (subagents or {}).get(t.id, [])
    refs = {str(c.meta["parent_tool_call_id"]): c.id for c in mine if c.meta.get("parent_tool_call_id")}
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
            result = {"source_call_id": m.get("tool_call_id"), "content": m.get("content") or ""}
            if m.get("tool_call_id") in refs:  # a task call: the subagent it ran is embedded below
                cid = refs[m["tool_call_id"]]
                result["subagent_trajectory_ref"] = [{"trajectory_id": cid, "session_id": cid}]
            obs["results"].append(result)
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
    if trajectory_id is not None:
        top["trajectory_id"] = trajectory_id
    if not mine:
        return {**top, "steps": steps}
    embedded = [from_row(c, subagents, trajectory_id=c.id) for c in mine]
    return {**top, "schema_version": SUBAGENTS_VERSION, "steps": steps, "subagent_trajectories": embedded}


def export_atif(rows: list[DatasetRow], out: Path, *, command: str,
                skipped: list[tuple[str, str]] | None = None) -> tuple[Path, list[str]]:
    """One ``<id>.json`` per row in the directory ``out``, and ``manifest.json``. A subagent's row
    whose parent is exported too goes into the parent's file (``subagent_trajectories``) instead
    of one of its own; the manifest lists it as a row all the same (its hash is of its embedded
    trajectory). Returns the manifest path and one ``source: reason`` line per row left out;
    ``skipped`` (inputs the caller already left out) gets those rows too, and the manifest lists
    them all."""
    out.mkdir(parents=True, exist_ok=True)
    skipped = [] if skipped is None else skipped
    ids = {t.id for t in rows}
    subagents: dict[str, list[DatasetRow]] = {}
    for t in rows:
        parent = t.meta.get("parent_session_id")
        if parent in ids and parent != t.id:
            subagents.setdefault(str(parent), []).append(t)
    embedded = {c.id for kids in subagents.values() for c in kids}
    kept, lines, mine = [], [], []
    for t in rows:
        if t.id in embedded:
            continue
        try:
            trajectory = from_row(t, subagents)
            data = json.dumps(trajectory, ensure_ascii=False, indent=2).encode()
        except (ValueError, KeyError) as e:
            mine.append((t.origin or t.id, str(e)))
            continue
        write_atomic(out / f"{_safe(t.id)}.json", data + b"\n")
        kept.append(t)
        lines.append(data)
        for child, sub in _embedded(t, trajectory, subagents):
            kept.append(child)
            lines.append(json.dumps(sub, ensure_ascii=False, indent=2).encode())
    skipped += mine
    return write_manifest(out, "atif", kept, lines, command=command, skipped=skipped), [f"{s}: {r}" for s, r in mine]


def _embedded(t: DatasetRow, trajectory: dict[str, Any], subagents: dict[str, list[DatasetRow]]):
    """The rows embedded in ``t``'s trajectory, each with its trajectory, depth first."""
    for child, sub in zip(subagents.get(t.id, []), trajectory.get("subagent_trajectories", [])):
        yield child, sub
        yield from _embedded(child, sub, subagents)


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name) or "trajectory"
