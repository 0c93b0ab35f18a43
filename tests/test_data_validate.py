"""``limi-cli data validate``: broken logs and dataset rows are named by file and line."""

from __future__ import annotations

import json
from pathlib import Path

from agent.curation.validate import validate_paths
from agent.events import AssistantMessage, SessionEnded, SessionStarted, ToolResult, UserMessage
from agent.messages import ToolCall
from agent.redact import Redactor
from agent.trajectory import TrajectoryWriter

DATA = Path(__file__).parent / "data" / "curation"
TOOLS = [{"type": "function", "function": {"name": "read_file", "description": "r", "parameters": {
    "type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"], "additionalProperties": False}}}]


def write_log(path: Path, events: list) -> Path:
    with TrajectoryWriter(path, redactor=Redactor(environ={})) as w:
        for e in events:
            w.write(e)
    return path


def events(arguments: dict | None = None) -> list:
    return [
        SessionStarted(session_id="s1", limi_version="0", model="m", backend="b", cwd="/w", approval="yolo",
                       system_prompt="sys", tools=TOOLS),
        UserMessage(content="read a.py"),
        AssistantMessage(turn=1, content="", tool_calls=[ToolCall(id="c1", name="read_file", arguments=arguments or {"path": "a.py"})]),
        ToolResult(tool_call_id="c1", name="read_file", output="x"),
        AssistantMessage(turn=2, content="done"),
        SessionEnded(reason="done", turns=2),
    ]


def test_a_clean_log_has_no_problems(tmp_path):
    assert validate_paths([write_log(tmp_path / "s.jsonl", events())]) == (1, [])


def test_arguments_that_do_not_fit_the_schema_are_named_by_line(tmp_path):
    path = write_log(tmp_path / "s.jsonl", events({"path": 3}))
    _, problems = validate_paths([path])
    assert problems == [f"{path}:3: call c1: arguments for read_file do not fit its schema: path: 3 is not of type 'string'"]


def test_a_result_without_its_call_is_named_by_line(tmp_path):
    evs = events()
    evs.insert(4, ToolResult(tool_call_id="nope", name="read_file", output="y"))
    path = write_log(tmp_path / "s.jsonl", evs)
    _, problems = validate_paths([path])
    assert problems == [f"{path}:5: tool_result for unknown tool call 'nope' (no earlier call has that id)"]


def test_a_call_without_a_result_names_the_line_of_the_call(tmp_path):
    evs = events()
    del evs[3]
    path = write_log(tmp_path / "s.jsonl", evs)
    _, problems = validate_paths([path])
    assert any(p.startswith(f"{path}:4:") and "c1 (line 3) have no result" in p for p in problems)


def test_a_corrupt_line_does_not_stop_the_rest_of_the_log(tmp_path):
    path = write_log(tmp_path / "s.jsonl", events({"path": 3}))
    lines = path.read_bytes().split(b"\n")
    lines[1] = b'{"type": "user_message", "content": '  # corrupt, with lines after it
    path.write_bytes(b"\n".join(lines))
    _, problems = validate_paths([path])
    assert problems[0].startswith(f"{path}:2: corrupt line skipped")
    assert any(p.startswith(f"{path}:3: call c1: arguments for read_file") for p in problems)


def test_dataset_rows_are_named_by_file_and_line_and_bad_json_does_not_stop_the_check(tmp_path):
    good = (DATA / "limi_rows.jsonl").read_text().splitlines()[0]
    bad_order = json.dumps({"tools": [], "messages": [{"role": "assistant", "content": "hi"}, {"role": "user", "content": "x"}]})
    unanswered = json.loads(good)
    del unanswered["messages"][3]
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join([good, "{not json", bad_order, json.dumps(unanswered)]) + "\n")
    checked, problems = validate_paths([path])
    assert checked == 4
    assert problems[0].startswith(f"{path}:2: not JSON")
    assert f"{path}:3: messages[0]: assistant message before any user message" in problems
    assert any(p.startswith(f"{path}:4: messages[2]: tool call 'call_1' has no tool message") for p in problems)


def test_dataset_arguments_are_checked_against_the_rows_tools(tmp_path):
    row = json.loads((DATA / "limi_rows.jsonl").read_text().splitlines()[0])
    row["messages"][2]["tool_calls"][0]["function"]["arguments"] = {"path": "/w/app.py"}
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(row) + "\n")
    _, problems = validate_paths([path])
    assert problems == [f"{path}:1: messages[2].tool_calls[0]: arguments for read_file do not fit its schema: "
                        "arguments: 'absolute_path' is a required property"]
