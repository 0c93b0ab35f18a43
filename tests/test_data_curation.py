"""Curation: annotations applied at export (raw log untouched), filters, dedupe, split, scrub."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

from agent.curation.annotations import Annotation, save_annotation
from agent.curation.dataset_io import load_inputs
from agent.rows import DatasetRow
from agent.curation.filters import Criteria, dedupe, keep
from agent.curation.scrub import scrub
from agent.curation.split import split_by_task
from agent.curation.tokens import CharEstimate
from agent.events import AssistantMessage, SessionEnded, SessionStarted, ToolResult, UserMessage
from agent.messages import ToolCall
from agent.redact import Redactor
from agent.trajectory import TrajectoryWriter


def traj(tid: str, text: str, calls: list[tuple[str, dict]] = (), answer: str = "done", **meta) -> DatasetRow:
    messages = [{"role": "user", "content": text}]
    for i, (name, args) in enumerate(calls):
        messages.append({"role": "assistant", "content": "", "tool_calls": [
            {"id": f"c{i}", "type": "function", "function": {"name": name, "arguments": args}}]})
        messages.append({"role": "tool", "tool_call_id": f"c{i}", "name": name, "content": "ok"})
    messages.append({"role": "assistant", "content": answer})
    return DatasetRow(tid, {"tools": [], "messages": messages}, dict(meta))


def session_log(path: Path) -> Path:
    events = [
        SessionStarted(session_id=path.stem, limi_version="0", model="m", backend="b", cwd="/w", approval="yolo", system_prompt="sys"),
        UserMessage(content="fix it, my key is hunter2-secret"),
        AssistantMessage(turn=1, content="look", tool_calls=[ToolCall(id="c1", name="shell", arguments={"command": "ls"})]),
        ToolResult(tool_call_id="c1", name="shell", output="a.py"),
        AssistantMessage(turn=2, content="edit", tool_calls=[ToolCall(id="c2", name="shell", arguments={"command": "rm x"})]),
        ToolResult(tool_call_id="c2", name="shell", output="gone"),
        AssistantMessage(turn=3, content="done"),
        SessionEnded(reason="done", turns=3),
    ]
    with TrajectoryWriter(path, redactor=Redactor(environ={})) as w:
        for e in events:
            w.write(e)
    return path


def test_annotation_cut_exclude_and_redactions_are_applied_when_the_log_is_read(tmp_path):
    log = session_log(tmp_path / "20260101-000000-abcdef.jsonl")
    save_annotation(log, Annotation(session_id=log.stem, quality=4, tags=["t"], cut_at_step=2, exclude_steps=[1],
                                    redactions=["hunter2-secret"]))
    [t] = load_inputs([tmp_path]).rows
    roles = [(m["role"], m.get("weight")) for m in t.row["messages"]]
    assert roles == [("system", None), ("user", None), ("assistant", 0), ("tool", None), ("assistant", None), ("tool", None)]
    assert "hunter2-secret" not in json.dumps(t.row) and "[REDACTED]" in t.row["messages"][1]["content"]
    assert (t.meta["quality"], t.meta["tags"]) == (4, ["t"])


def test_curation_never_changes_the_raw_log(tmp_path):
    from agent.curation.formats.limi import export_jsonl

    log = session_log(tmp_path / "20260101-000000-abcdef.jsonl")
    before = hashlib.sha256(log.read_bytes()).hexdigest()
    save_annotation(log, Annotation(session_id=log.stem, cut_at_step=1, redactions=["hunter2-secret"]))
    trajectories = load_inputs([tmp_path]).rows
    export_jsonl(scrub(trajectories)[0], tmp_path / "out" / "d.jsonl", command="test")
    assert hashlib.sha256(log.read_bytes()).hexdigest() == before


def test_filter_by_outcome_quality_and_tags():
    c = Criteria(outcomes=["success"], min_quality=4, tags=["bugfix"])
    assert keep(traj("a", "t", outcome="success", quality=5, tags=["bugfix", "x"]), c) is None
    assert keep(traj("b", "t", outcome="partial", quality=5, tags=["bugfix"]), c) == "outcome partial not in success"
    assert keep(traj("c", "t", outcome="success", quality=3, tags=["bugfix"]), c) == "quality 3 < 4"
    assert keep(traj("d", "t", outcome="success", quality=5), c) == "lacks tag(s) bugfix"


def test_filter_by_tools_used_and_token_range():
    t = traj("a", "t", [("shell", {"command": "ls"})])
    assert keep(t, Criteria(tools=["shell"])) is None
    assert keep(t, Criteria(tools=["shell", "edit"])) == "never calls edit"
    n = CharEstimate().count(t.row)
    assert keep(t, Criteria(min_tokens=n, max_tokens=n), CharEstimate()) is None
    assert keep(t, Criteria(max_tokens=n - 1), CharEstimate()) == f"{n} tokens > {n - 1}"


def test_filter_by_date_uses_the_session_start():
    t = traj("a", "t", created=datetime(2026, 3, 1, tzinfo=timezone.utc).timestamp())
    assert keep(t, Criteria(since=datetime(2026, 2, 1, tzinfo=timezone.utc))) is None
    assert keep(t, Criteria(until=datetime(2026, 2, 1, tzinfo=timezone.utc))).startswith("started 2026-03-01")


def test_dedupe_drops_near_identical_runs_of_the_same_task_and_keeps_the_best_rated():
    a = traj("a", "Fix the bug", [("read_file", {"path": "app.py"}), ("edit", {"path": "app.py"})], quality=3)
    b = traj("b", "fix  the BUG", [("read_file", {"path": "app.py"}), ("edit", {"path": "app.py"})], quality=5)
    kept, dropped = dedupe([a, b])
    assert [t.id for t in kept] == ["b"]
    assert [(d.id, k.id) for d, k, _ in dropped] == [("a", "b")]


def test_dedupe_keeps_different_runs_and_same_runs_of_different_tasks():
    a = traj("a", "task one", [("read_file", {"path": "app.py"})])
    b = traj("b", "task one", [("shell", {"command": "pytest -x tests/ && git diff"})], answer="a quite different answer")
    c = traj("c", "task two", [("read_file", {"path": "app.py"})])
    kept, dropped = dedupe([a, b, c])
    assert [t.id for t in kept] == ["a", "b", "c"] and dropped == []


def test_split_never_puts_one_task_on_both_sides():
    trajectories = [traj(f"{task}-{k}", f"Task {task}") for task in range(10) for k in range(3)]
    train, heldout = split_by_task(trajectories, heldout=0.3, seed=1)
    assert {t.task for t in train}.isdisjoint({t.task for t in heldout})
    assert len({t.task for t in heldout}) == 3 and len(train) + len(heldout) == 30


def test_split_is_the_same_for_the_same_seed():
    trajectories = [traj(str(i), f"task {i}") for i in range(20)]
    ids = lambda side: [t.id for t in side]  # noqa: E731
    assert ids(split_by_task(trajectories, 0.2, seed=7)[1]) == ids(split_by_task(trajectories, 0.2, seed=7)[1])


def test_scrub_redacts_secrets_and_pii_and_reports_what_changed():
    t = traj("a", "mail jane.doe@example.com", [("shell", {"command": "export KEY=sk-proj-Ab3dEf6hIj9kLmN0pQrStUvWx"})],
             answer="call +1 415-555-0132", task="mail jane.doe@example.com")
    clean = traj("b", "nothing here")
    out, report = scrub([t, clean])
    text = json.dumps(out[0].row)
    assert "jane.doe@example.com" not in text and "sk-proj-" not in text and "415-555-0132" not in text
    assert out[0].meta["task"] == "mail [REDACTED:email]"
    assert report.changed == {"a": {"email": 1, "openai_key": 1, "phone": 1}}
    assert dict(report.counts) == {"email": 1, "openai_key": 1, "phone": 1}


def test_scrub_leaves_the_input_trajectories_unchanged():
    t = traj("a", "mail jane.doe@example.com")
    scrub([t])
    assert t.row["messages"][0]["content"] == "mail jane.doe@example.com"


def test_pii_is_not_redacted_in_logs_by_default():
    assert Redactor(environ={}).redact_text("Author: Bob <bob@corp.io>") == "Author: Bob <bob@corp.io>"
