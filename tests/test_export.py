"""Export: session logs -> LIMI rows, row validation, and the manifest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from agent.events import AssistantMessage, SessionEnded, SessionStarted, ToolResult, UserMessage
from agent.curation.dataset_io import session_to_row
from agent.export import export_sessions
from agent.rows import manifest_path, validate_row
from agent.messages import ToolCall, ToolSpec
from agent.redact import Redactor
from agent.trajectory import TrajectoryWriter, read_log

TOOLS = [
    ToolSpec(name="read_file", description="Reads a file.",
             parameters={"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}).openai(),
    ToolSpec(name="shell", description="Runs a command.",
             parameters={"type": "object", "properties": {"command": {"type": "string"}}}).openai(),
]


def events(session_id: str = "20260101-000000-aaaaaa", ended: bool = True) -> list:
    out = [
        SessionStarted(session_id=session_id, limi_version="0.1.0", model="tiny", backend="fake", cwd="/w",
                       approval="auto", system_prompt="You are a coding agent.", tools=TOOLS),
        UserMessage(content="fix app.py"),
        AssistantMessage(turn=1, content="Looking.", reasoning="check both",
                         tool_calls=[ToolCall(id="c1", name="read_file", arguments={"path": "app.py"}),
                                     ToolCall(id="c2", name="shell", arguments={"command": "ls"})]),
        ToolResult(tool_call_id="c1", name="read_file", output="print(1)"),
        ToolResult(tool_call_id="c2", name="shell", output="app.py"),
        AssistantMessage(turn=2, content="Fixed."),
    ]
    if ended:
        out.append(SessionEnded(reason="done", final_text="Fixed.", turns=2))
    return out


def write_log(path: Path, evs: list) -> Path:
    with TrajectoryWriter(path, redactor=Redactor(environ={})) as w:
        for e in evs:
            w.write(e)
    return path


def row_of(tmp_path: Path, evs: list) -> dict:
    return session_to_row(read_log(write_log(tmp_path / "s.jsonl", evs)))


def test_row_has_tools_and_messages_in_order(tmp_path):
    row = row_of(tmp_path, events())
    assert row["tools"] == TOOLS
    assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant", "tool", "tool", "assistant"]
    assert row["messages"][0]["content"] == "You are a coding agent."


def test_arguments_are_objects_not_strings(tmp_path):
    call = row_of(tmp_path, events())["messages"][2]["tool_calls"][0]
    assert call == {"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": {"path": "app.py"}}}


def test_one_tool_message_per_call_with_matching_id(tmp_path):
    tool_msgs = [m for m in row_of(tmp_path, events())["messages"] if m["role"] == "tool"]
    assert [(m["tool_call_id"], m["name"], m["content"]) for m in tool_msgs] == [
        ("c1", "read_file", "print(1)"), ("c2", "shell", "app.py"),
    ]


def test_reasoning_is_a_separate_key_only_when_present(tmp_path):
    msgs = row_of(tmp_path, events())["messages"]
    assert msgs[2]["reasoning_content"] == "check both" and msgs[2]["content"] == "Looking."
    assert msgs[5] == {"role": "assistant", "content": "Fixed."}


def test_row_is_plain_json(tmp_path):
    row = row_of(tmp_path, events())
    assert json.loads(json.dumps(row)) == row


def test_invalid_tool_call_is_kept_with_its_error_result(tmp_path):
    evs = events()
    evs[2] = AssistantMessage(turn=1, tool_calls=[ToolCall(id="c1", name="read_file", error="bad JSON", raw="{pa")])
    evs[3] = ToolResult(tool_call_id="c1", name="read_file", output="error: bad JSON", is_error=True,
                        error_kind="invalid_call")
    del evs[4]
    msgs = row_of(tmp_path, evs)["messages"]
    assert msgs[2]["tool_calls"][0]["function"]["arguments"] == {}
    assert msgs[3]["content"] == "error: bad JSON"


def test_unfinished_session_drops_trailing_call_without_result(tmp_path):
    evs = events(ended=False)[:4]  # c2 never got its result: the session was killed
    row = row_of(tmp_path, evs)
    assert [m["role"] for m in row["messages"]] == ["system", "user"]


def test_validate_row_accepts_an_exported_row(tmp_path):
    assert validate_row(row_of(tmp_path, events())) == []


def test_validate_row_catches_a_missing_tool_result(tmp_path):
    row = row_of(tmp_path, events())
    del row["messages"][4]  # c2's result
    assert validate_row(row) == ["messages[2]: tool call 'c2' has no tool message before messages[4]"]


def test_validate_row_catches_string_arguments(tmp_path):
    row = row_of(tmp_path, events())
    row["messages"][2]["tool_calls"][0]["function"]["arguments"] = '{"path": "app.py"}'
    assert validate_row(row) == ["messages[2].tool_calls[0]: arguments is a str, expected a JSON object"]


def test_validate_row_catches_an_unknown_tool_name(tmp_path):
    row = row_of(tmp_path, events())
    row["messages"][2]["tool_calls"][1]["function"]["name"] = "rm_rf"
    assert validate_row(row) == ["messages[2].tool_calls[1]: tool 'rm_rf' is not in the row's tools"]


def test_validate_row_catches_assistant_before_user():
    row = {"tools": [], "messages": [{"role": "system", "content": "s"}, {"role": "assistant", "content": "hi"}]}
    assert validate_row(row) == ["messages[1]: assistant message before any user message"]


def test_validate_row_catches_a_tool_message_without_a_call():
    messages = [
        {"role": "user", "content": "u"},
        {"role": "tool", "tool_call_id": "x", "content": ""},
        {"role": "assistant", "content": "a"},
    ]
    problems = validate_row({"tools": [], "messages": messages})
    assert problems == ["messages[1]: tool message for 'x', but no tool call before it is waiting for that id"]


def test_export_writes_one_row_per_session(tmp_path):
    paths = [write_log(tmp_path / f"{sid}.jsonl", events(sid)) for sid in ("s1", "s2")]
    report = export_sessions(paths, tmp_path / "out" / "data.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "out" / "data.jsonl").read_text().splitlines()]
    assert len(rows) == 2 and report.skipped == []
    assert [e["session_id"] for e in report.rows] == ["s1", "s2"]


def test_manifest_hashes_match_the_files(tmp_path):
    src = write_log(tmp_path / "s1.jsonl", events("s1"))
    out = tmp_path / "data.jsonl"
    export_sessions([src], out)
    manifest = json.loads(manifest_path(out).read_text())
    (entry,) = manifest["rows"]
    assert entry["source_sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert entry["row_sha256"] == hashlib.sha256(out.read_bytes().rstrip(b"\n")).hexdigest()
    assert (entry["source"], entry["messages"], entry["tool_calls"]) == (str(src), 6, 2)
    assert manifest["row_count"] == 1 and manifest["limi_version"]


def test_manifest_counts_invalid_tool_calls(tmp_path):
    evs = events("s1")
    evs[4] = ToolResult(tool_call_id="c2", name="shell", output="bad args", is_error=True, error_kind="bad_arguments")
    out = tmp_path / "data.jsonl"
    (entry,) = export_sessions([write_log(tmp_path / "s1.jsonl", evs)], out).rows
    assert (entry["invalid_tool_calls"], entry["tool_errors"]) == (1, 1)


def test_export_refuses_an_invalid_row_and_names_the_session_file(tmp_path):
    good = write_log(tmp_path / "good.jsonl", events("good"))
    evs = events("bad")[:2] + [SessionEnded(reason="error", error="cannot reach the model server")]
    bad = write_log(tmp_path / "bad.jsonl", evs)
    report = export_sessions([good, bad], tmp_path / "data.jsonl")
    assert [e["session_id"] for e in report.rows] == ["good"]
    ((path, reason),) = report.skipped
    assert path == bad and "no assistant message" in reason
    assert len((tmp_path / "data.jsonl").read_text().splitlines()) == 1


def test_export_keeps_a_call_to_an_unknown_tool_with_its_error(tmp_path):
    evs = events("s")
    evs[2].tool_calls[1] = ToolCall(id="c2", name="not_a_tool")
    evs[4] = ToolResult(tool_call_id="c2", name="not_a_tool", output="Error: unknown tool", is_error=True, error_kind="unknown_tool")
    report = export_sessions([write_log(tmp_path / "s.jsonl", evs)], tmp_path / "data.jsonl")
    assert report.skipped == [] and report.rows[0]["invalid_tool_calls"] == 1
    row = json.loads((tmp_path / "data.jsonl").read_text())
    assert row["messages"][2]["tool_calls"][1]["function"]["name"] == "not_a_tool"


def test_export_skips_a_log_with_a_corrupt_line(tmp_path):
    path = write_log(tmp_path / "s.jsonl", events())
    lines = path.read_bytes().split(b"\n")
    lines[1] = b"{not json"
    path.write_bytes(b"\n".join(lines))
    report = export_sessions([path], tmp_path / "data.jsonl")
    assert report.rows == [] and "corrupt line" in report.skipped[0][1]


def test_export_keeps_a_killed_session_with_a_truncated_last_line(tmp_path):
    path = write_log(tmp_path / "s.jsonl", events(ended=False))
    with open(path, "ab") as f:
        f.write(b'{"ts":1.0,"type":"session_en')
    (entry,) = export_sessions([path], tmp_path / "data.jsonl").rows
    assert entry["end_reason"] == "unfinished" and entry["messages"] == 6


# -- one exporter for `limi-cli export` and `limi-cli data export` -------------------------


def test_export_applies_the_sessions_annotation(tmp_path):
    from agent.curation.annotations import Annotation, save_annotation

    log = write_log(tmp_path / "s1.jsonl", events("s1"))
    save_annotation(log, Annotation(session_id="s1", exclude_steps=[1], redactions=["app.py"], quality=4))
    report = export_sessions([log], tmp_path / "data.jsonl")
    row = json.loads((tmp_path / "data.jsonl").read_text())
    assert row["messages"][2]["weight"] == 0 and "app.py" not in json.dumps(row)
    assert report.rows[0]["quality"] == 4


def test_export_and_data_export_write_the_same_files(tmp_path):
    import subprocess
    import sys

    ws = tmp_path / "ws"
    sessions = ws / ".limi" / "sessions"
    sessions.mkdir(parents=True)
    write_log(sessions / "20260101-000000-aaaaaa.jsonl", events())
    cli = [str(Path(sys.executable).parent / "limi-cli")]
    one = subprocess.run([*cli, "export", "--all", "-o", str(tmp_path / "a.jsonl")], cwd=ws, capture_output=True, text=True)
    two = subprocess.run([*cli, "data", "export", "-o", str(tmp_path / "b.jsonl")], cwd=ws, capture_output=True, text=True)
    assert one.returncode == two.returncode == 0, one.stderr + two.stderr
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    a, b = (json.loads(manifest_path(tmp_path / f"{x}.jsonl").read_text()) for x in "ab")
    assert a.keys() == b.keys() and a["rows"] == b["rows"] and a["format"] == "limi-jsonl"
    assert one.stdout.replace("a.jsonl", "b.jsonl") == two.stdout


def test_data_export_leaves_out_an_invalid_row_and_the_manifest_says_why(tmp_path):
    from agent.export import export_dataset

    good = row_of(tmp_path, events())
    bad = {"tools": [], "messages": [{"role": "user", "content": "hi"}]}
    (tmp_path / "in.jsonl").write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    report = export_dataset([tmp_path / "in.jsonl"], tmp_path / "out" / "share.json", "sharegpt")
    assert len(report.rows) == 1 and [str(p) for p, _ in report.skipped] == [f"{tmp_path / 'in.jsonl'}:2"]
    manifest = json.loads(report.manifest_path.read_text())
    assert manifest["skipped"] == [{"source": f"{tmp_path / 'in.jsonl'}:2",
                                    "reason": "invalid row: no assistant message: nothing to train on"}]


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path):
    from agent.rows import atomic_path, write_atomic

    out = tmp_path / "data.jsonl"
    write_atomic(out, b"old\n")
    try:
        with atomic_path(out) as tmp:
            tmp.write_text("half")
            raise OSError(28, "No space left on device")
    except OSError:
        pass
    assert out.read_text() == "old\n" and list(tmp_path.iterdir()) == [out]
    write_atomic(out, b"new\n")
    assert out.read_text() == "new\n" and list(tmp_path.iterdir()) == [out]


def test_training_refuses_a_session_log_and_says_to_export_it(tmp_path):
    import pytest

    from training.dataset import DatasetError, load_rows

    log = write_log(tmp_path / "s1.jsonl", events())
    with pytest.raises(DatasetError, match=r"s1.jsonl is a session log, not a dataset; export it first"):
        load_rows([log])
