"""The trajectory log: writing, crash tolerance, structure checks, and session storage."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from agent.events import AssistantMessage, SessionEnded, SessionStarted, TextDelta, ToolResult, UserMessage
from agent.messages import ToolCall
from agent.redact import Redactor
from agent.trajectory import (
    LogProblem,
    SessionLookupError,
    TrajectoryWriter,
    find_session,
    list_sessions,
    new_session_id,
    read_log,
    session_path,
    sessions_dir,
)
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[1]


def started(session_id: str = "20260101-000000-aaaaaa", ts: float | None = None) -> SessionStarted:
    extra = {} if ts is None else {"ts": ts}
    return SessionStarted(
        session_id=session_id, limi_version="0.1.0", model="tiny", backend="fake", cwd="/w",
        approval="auto", system_prompt="You are a coding agent.", **extra,
    )


def conversation(ended: bool = True) -> list:
    events = [
        started(),
        UserMessage(content="fix the bug in app.py"),
        AssistantMessage(turn=1, content="Reading it.", reasoning="look first",
                         tool_calls=[ToolCall(id="c1", name="read_file", arguments={"path": "app.py"})]),
        ToolResult(tool_call_id="c1", name="read_file", output="print(1)"),
        AssistantMessage(turn=2, content="Done."),
    ]
    if ended:
        events.append(SessionEnded(reason="done", final_text="Done.", turns=2))
    return events


def write_log(path: Path, events: list) -> Path:
    with TrajectoryWriter(path, redactor=Redactor(environ={})) as w:
        for e in events:
            w.write(e)
    return path


def test_write_then_read_round_trips_events(tmp_path):
    events = conversation()
    log = read_log(write_log(tmp_path / "s.jsonl", events))
    assert log.problems == []
    assert [e.model_dump() for e in log.events] == [e.model_dump() for e in events]
    assert log.started == events[0] and log.ended == events[-1]


def test_text_deltas_are_not_logged(tmp_path):
    path = write_log(tmp_path / "s.jsonl", [started(), TextDelta(text="partial")])
    assert [e.type for e in read_log(path).events] == ["session_started"]


def test_writer_creates_parent_directories(tmp_path):
    path = write_log(tmp_path / "a" / "b" / "s.jsonl", [started()])
    assert path.is_file()


def test_write_after_close_raises_with_the_path(tmp_path):
    w = TrajectoryWriter(tmp_path / "s.jsonl", redactor=Redactor(environ={}))
    w.close()
    with pytest.raises(ValueError, match="s.jsonl is closed"):
        w.write(started())


def test_truncated_last_line_is_reported_and_earlier_events_read(tmp_path):
    path = write_log(tmp_path / "s.jsonl", conversation(ended=False))
    with open(path, "ab") as f:
        f.write(b'{"ts":1.0,"type":"user_message","content":"half a li')  # killed mid-write
    log = read_log(path)
    assert len(log.events) == 5
    assert [(p.line_no, p.kind) for p in log.problems] == [(6, "truncated")]


def test_corrupt_middle_line_is_reported_and_later_lines_read(tmp_path):
    path = write_log(tmp_path / "s.jsonl", conversation())
    lines = path.read_bytes().split(b"\n")
    lines[1] = b'{"ts": 1.0, "type": "user_message"'  # broken JSON on line 2
    path.write_bytes(b"\n".join(lines))
    log = read_log(path)
    assert [e.type for e in log.events][-1] == "session_ended"
    assert len(log.events) == 5
    assert [(p.line_no, p.kind) for p in log.problems] == [(2, "corrupt")]


def test_line_that_fails_validation_is_reported(tmp_path):
    path = write_log(tmp_path / "s.jsonl", [started()])
    with open(path, "ab") as f:
        f.write(b'{"type":"tool_result","name":"x"}\n')
    (problem,) = read_log(path).problems
    assert problem.line_no == 2 and "tool_call_id" in problem.message


def test_reopened_writer_keeps_a_partial_line_separate(tmp_path):
    path = write_log(tmp_path / "s.jsonl", [started()])
    with open(path, "ab") as f:
        f.write(b'{"ts":1.0,"type":"user')
    write_log(path, [UserMessage(content="resumed")])
    log = read_log(path)
    assert [e.type for e in log.events] == ["session_started", "user_message"]
    assert [(p.line_no, p.kind) for p in log.problems] == [(2, "corrupt")]


def test_tool_result_with_unknown_call_id_is_reported(tmp_path):
    events = conversation()
    events[3] = ToolResult(tool_call_id="nope", name="read_file", output="x")
    log = read_log(write_log(tmp_path / "s.jsonl", events))
    messages = [str(p) for p in log.problems]
    assert any(":4: tool_result for unknown tool call 'nope'" in m for m in messages)


def test_second_result_for_one_call_is_reported(tmp_path):
    events = conversation()
    events.insert(4, ToolResult(tool_call_id="c1", name="read_file", output="again"))
    (problem,) = read_log(write_log(tmp_path / "s.jsonl", events)).problems
    assert problem.line_no == 5 and "second result" in problem.message


def test_missing_result_is_a_problem_when_session_ended_normally(tmp_path):
    events = conversation()
    del events[3:5]  # the result and the next assistant message
    (problem,) = read_log(write_log(tmp_path / "s.jsonl", events)).problems
    assert problem.line_no == 3 and "'c1' (read_file) has no result" in problem.message


def test_missing_result_at_end_of_unfinished_session_is_not_a_problem(tmp_path):
    events = conversation(ended=False)[:3]
    assert read_log(write_log(tmp_path / "s.jsonl", events)).problems == []


def test_first_event_must_be_session_started(tmp_path):
    log = read_log(write_log(tmp_path / "s.jsonl", [UserMessage(content="hi")]))
    assert log.started is None
    assert "expected session_started" in log.problems[0].message


def test_messages_rebuilds_the_conversation(tmp_path):
    msgs = read_log(write_log(tmp_path / "s.jsonl", conversation())).messages()
    assert [m.role for m in msgs] == ["system", "user", "assistant", "tool", "assistant"]
    assert msgs[0].content == "You are a coding agent."
    assert msgs[2].reasoning == "look first" and msgs[2].tool_calls[0].arguments == {"path": "app.py"}
    assert (msgs[3].tool_call_id, msgs[3].name, msgs[3].content) == ("c1", "read_file", "print(1)")


def test_problem_formats_as_file_line_message(tmp_path):
    assert str(LogProblem(tmp_path / "s.jsonl", 7, "broken")) == f"{tmp_path / 's.jsonl'}:7: broken"


def test_concurrent_writes_each_land_on_their_own_line(tmp_path):
    path = tmp_path / "s.jsonl"
    with TrajectoryWriter(path, redactor=Redactor(environ={})) as w:
        w.write(started())
        threads = [
            threading.Thread(target=lambda i=i: [w.write(UserMessage(content=f"{i}-{n}" * 500)) for n in range(50)])
            for i in range(8)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    log = read_log(path)
    assert log.problems == [] and len(log.events) == 1 + 8 * 50


KILLED_WRITER = textwrap.dedent(
    """
    import sys
    from agent.events import SessionStarted, ToolResult, AssistantMessage
    from agent.messages import ToolCall
    from agent.redact import Redactor
    from agent.trajectory import TrajectoryWriter
    w = TrajectoryWriter(sys.argv[1], redactor=Redactor(environ={}))
    w.write(SessionStarted(session_id="k", limi_version="0", model="m", backend="b", cwd="/",
                           approval="auto", system_prompt="s"))
    n = 0
    while True:
        n += 1
        w.write(AssistantMessage(turn=n, tool_calls=[ToolCall(id=f"c{n}", name="t")]))
        w.write(ToolResult(tool_call_id=f"c{n}", name="t", output="x" * 200_000))
        if n == 20:
            print("ready", flush=True)
    """
)


def test_session_killed_with_sigkill_leaves_a_readable_log(tmp_path):
    path = tmp_path / "killed.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE, env=env)
    try:
        assert proc.stdout.readline() == b"ready\n"
        ready = path.stat().st_size
        wait_until(lambda: path.stat().st_size > ready + 1_000_000)  # still writing: the kill lands mid-stream
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    log = read_log(path)
    assert len(log.events) > 40 and log.ended is None
    # only the last line may be bad, and only as truncated
    assert all(p.kind == "truncated" and p.line_no == len(log.events) + 1 for p in log.problems)
    assert list_sessions(tmp_path)[0].end_reason == "unfinished"


def test_list_sessions_marks_a_session_without_end_as_unfinished(tmp_path):
    write_log(tmp_path / "a.jsonl", conversation(ended=False))
    (summary,) = list_sessions(tmp_path)
    assert summary.end_reason == "unfinished" and summary.turns == 2


def test_list_sessions_summarises_newest_first(tmp_path):
    old = conversation()
    old[0] = started("20260101-000000-aaaaaa", ts=1000.0)
    new = conversation()
    new[0] = started("20260102-000000-bbbbbb", ts=2000.0)
    new[1] = UserMessage(content="a long task\n" + "word " * 100)
    write_log(tmp_path / "20260101-000000-aaaaaa.jsonl", old)
    write_log(tmp_path / "20260102-000000-bbbbbb.jsonl", new)
    first, second = list_sessions(tmp_path)
    assert (first.id, second.id) == ("20260102-000000-bbbbbb", "20260101-000000-aaaaaa")
    assert (first.model, first.turns, first.end_reason, first.started) == ("tiny", 2, "done", 2000.0)
    assert first.first_user_message.startswith("a long task word") and len(first.first_user_message) <= 80
    assert "\n" not in first.first_user_message


def test_list_sessions_of_missing_directory_is_empty(tmp_path):
    assert list_sessions(tmp_path / "none") == []


def test_find_session_by_unique_prefix(tmp_path):
    for sid in ("20260101-000000-aaaaaa", "20260102-000000-bbbbbb"):
        session_path(tmp_path, sid).write_text("")
    assert find_session(tmp_path, "20260102").name == "20260102-000000-bbbbbb.jsonl"
    assert find_session(tmp_path, "20260101-000000-aaaaaa").name == "20260101-000000-aaaaaa.jsonl"


def test_find_session_with_no_match_says_so(tmp_path):
    session_path(tmp_path, "20260101-000000-aaaaaa").write_text("")
    with pytest.raises(SessionLookupError, match="no session id starts with '2027'"):
        find_session(tmp_path, "2027")


def test_find_session_with_ambiguous_prefix_lists_matches(tmp_path):
    for sid in ("20260101-000000-aaaaaa", "20260101-000001-bbbbbb"):
        session_path(tmp_path, sid).write_text("")
    with pytest.raises(SessionLookupError, match="matches 2 sessions .*give more of the id"):
        find_session(tmp_path, "20260101")


def test_find_session_in_missing_directory_says_so(tmp_path):
    with pytest.raises(SessionLookupError, match="does not exist"):
        find_session(tmp_path / "none", "x")


def test_new_session_ids_sort_by_time():
    ids = [new_session_id(t) for t in (1_700_000_000, 1_700_000_001, 1_800_000_000)]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert new_session_id(0).startswith("19700101-000000-")


def test_sessions_dir_defaults_to_limi_sessions_in_workspace(tmp_path):
    assert sessions_dir(tmp_path) == tmp_path / ".limi" / "sessions"
    assert sessions_dir(tmp_path, "logs") == tmp_path / "logs"
    assert sessions_dir(tmp_path, "/abs/logs") == Path("/abs/logs")


def test_a_new_sessions_dir_is_ignored_by_git(tmp_path):
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    with TrajectoryWriter(tmp_path / ".limi" / "sessions" / "s.jsonl", redactor=Redactor(environ={})) as w:
        w.write(UserMessage(content="hi"))
    status = subprocess.run(["git", "status", "--porcelain"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert status.stdout == ""
