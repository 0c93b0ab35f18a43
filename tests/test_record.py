"""``limi-cli record``: expert demonstrations from a steps file, with real tools in a real git repo."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from agent.backends.demonstration import DemonstrationBackend
from agent.backends.scripted import ScriptedBackend
from agent.config import Config
from agent.curation.annotations import annotation_path, load_annotation
from agent.curation.recording import record_demonstration
from agent.curation.steps_file import StepsFileError, load_steps
from agent.events import ExpertStep
from agent.curation.dataset_io import session_to_row
from agent.rows import validate_row
from agent.session_builder import build_session
from agent.trajectory import read_log
from limi_cli.commands import data, record
from limi_cli.commands.common import UserError

STEPS = Path(__file__).parent / "data" / "curation" / "fix_count.steps.yaml"


def cli(*argv: str) -> int:
    """Run ``limi-cli record|data ...`` in-process (UserError becomes exit code 1, like main())."""
    parser = argparse.ArgumentParser(prog="limi-cli")
    sub = parser.add_subparsers(dest="command")
    record.register(sub)
    data.register(sub)
    args = parser.parse_args(list(argv))
    return args.handler(args)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with a buggy count.py, and the steps file copied in."""
    ws = tmp_path / "repo"
    ws.mkdir()
    (ws / "count.py").write_text("def count(n):\n    return list(range(n - 1))\n")
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q"], cwd=ws, check=True)
    subprocess.run([*git, "add", "."], cwd=ws, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=ws, check=True)
    shutil.copy(STEPS, ws / "steps.yaml")
    return ws


def only_log(ws: Path) -> Path:
    logs = list((ws / ".limi" / "sessions").glob("*.jsonl"))
    assert len(logs) == 1
    return logs[0]


def write_steps(ws: Path, text: str) -> Path:
    path = ws / "steps.yaml"
    path.write_text(text)
    return path


def test_record_really_runs_the_tools_and_changes_files(repo):
    assert cli("record", "--steps", str(repo / "steps.yaml"), "--cwd", str(repo)) == 0
    assert (repo / "count.py").read_text() == "def count(n):\n    return list(range(n))\n"
    log = read_log(only_log(repo))
    shell_result = [e for e in log.events if e.type == "tool_result" and e.name == "shell"][0]
    assert shell_result.output.strip() == "[0, 1, 2]"


def test_recorded_log_is_valid_and_says_each_step_came_from_the_expert(repo):
    cli("record", "--steps", str(repo / "steps.yaml"), "--cwd", str(repo))
    log = read_log(only_log(repo))
    assert log.problems == []
    assert log.started.mode == "record" and log.started.approval == "yolo" and log.started.backend == "demonstration"
    notes = [e for e in log.events if isinstance(e, ExpertStep)]
    assert [(n.turn, n.source, n.step) for n in notes] == [(1, "expert", 1), (2, "expert", 2), (3, "expert", 3), (4, "expert", 4)]
    assert notes[1].origin.endswith("steps.yaml:7")
    assert log.ended.reason == "done" and log.ended.final_text == "Fixed. count(3) now returns [0, 1, 2]."


def test_record_offers_the_tools_the_target_model_is_offered(repo):
    from agent.tools.registry import CORE_TOOLS

    cli("record", "--steps", str(repo / "steps.yaml"), "--cwd", str(repo))  # target: the embedded 8k model
    names = [t["function"]["name"] for t in read_log(only_log(repo)).started.tools]
    assert names == list(CORE_TOOLS)  # the rows then train on the prompt the model sees at inference


def test_label_is_saved_beside_the_log_not_in_it(repo):
    cli("record", "--steps", str(repo / "steps.yaml"), "--cwd", str(repo))
    log_path = only_log(repo)
    annotation = load_annotation(log_path)
    assert annotation_path(log_path).is_file()
    assert (annotation.outcome, annotation.quality, annotation.tags) == ("success", 5, ["bugfix", "python"])
    assert annotation.notes == "a clean three-step fix"
    assert b"a clean three-step fix" not in log_path.read_bytes()


def test_label_flags_override_the_steps_file(repo):
    cli("record", "--steps", str(repo / "steps.yaml"), "--cwd", str(repo), "--outcome", "partial", "--quality", "3", "--tag", "x")
    annotation = load_annotation(only_log(repo))
    assert (annotation.outcome, annotation.quality, annotation.tags) == ("partial", 3, ["x"])


def test_recorded_session_exports_to_a_valid_row_with_reasoning_before_calls(repo):
    cli("record", "--steps", str(repo / "steps.yaml"), "--cwd", str(repo))
    row = session_to_row(read_log(only_log(repo)))
    assert validate_row(row) == []
    assert [m["role"] for m in row["messages"]] == ["system", "user"] + ["assistant", "tool"] * 3 + ["assistant"]
    assert row["messages"][2]["content"] == "Let me read the file first."
    assert row["messages"][2]["tool_calls"][0]["function"] == {"name": "read_file", "arguments": {"path": "count.py"}}


def test_bad_arguments_are_refused_with_file_and_line_before_anything_runs(repo):
    write_steps(repo, "steps:\n  - thought: go\n    calls:\n      - edit: {path: count.py, old: a, new: b}\n  - answer: done\n")
    with pytest.raises(UserError, match=r"steps\.yaml:2: step 1: bad arguments for edit: old_string"):
        cli("record", "--task", "t", "--steps", str(repo / "steps.yaml"), "--cwd", str(repo))
    assert not (repo / ".limi").exists()


def test_unknown_tool_is_refused_with_file_and_line(repo):
    write_steps(repo, "steps:\n  - answer: hi\n  - user: more\n  - calls: [{reed_file: {path: a}}]\n  - answer: done\n")
    with pytest.raises(UserError, match=r"steps\.yaml:4: step 3: unknown tool 'reed_file'"):
        cli("record", "--task", "t", "--steps", str(repo / "steps.yaml"), "--cwd", str(repo))


def test_invalid_yaml_names_file_and_line(tmp_path):
    path = write_steps(tmp_path, "steps:\n  - thought: [unclosed\n  - answer: x\n")
    with pytest.raises(StepsFileError, match=r"steps\.yaml:3: not valid YAML"):
        load_steps(path)


def test_steps_must_end_with_an_answer(tmp_path):
    path = write_steps(tmp_path, "steps:\n  - calls: [{shell: {command: ls}}]\n")
    with pytest.raises(StepsFileError, match=r"steps\.yaml:2: step 1: the last step must be an answer"):
        load_steps(path)


def test_a_task_is_required(repo):
    write_steps(repo, "steps:\n  - answer: done\n")
    with pytest.raises(UserError, match="no task"):
        cli("record", "--steps", str(repo / "steps.yaml"), "--cwd", str(repo))


def test_user_step_starts_a_second_exchange(repo):
    write_steps(repo, "task: first\nsteps:\n  - answer: one\n  - user: second\n"
                      "  - calls: [{write_file: {path: b.txt, content: hi}}]\n  - answer: two\n")
    assert cli("record", "--steps", str(repo / "steps.yaml"), "--cwd", str(repo)) == 0
    row = session_to_row(read_log(only_log(repo)))
    assert [(m["role"], m["content"]) for m in row["messages"] if m["role"] in ("user", "assistant")] == [
        ("user", "first"), ("assistant", "one"), ("user", "second"), ("assistant", ""), ("assistant", "two")]
    assert (repo / "b.txt").read_text() == "hi"


def test_stop_on_error_ends_the_recording_at_the_failed_step(repo):
    write_steps(repo, "task: t\nsteps:\n  - calls: [{read_file: {path: missing.py}}]\n"
                      "  - calls: [{write_file: {path: b.txt, content: hi}}]\n  - answer: done\n")
    assert cli("record", "--steps", str(repo / "steps.yaml"), "--cwd", str(repo), "--stop-on-error") == 1
    log = read_log(only_log(repo))
    assert log.ended.reason == "error" and "steps.yaml:3: step 1: read_file" in log.ended.error
    assert not (repo / "b.txt").exists()


def test_propose_accept_keeps_the_models_step_and_edit_logs_the_proposal(repo):
    script = load_steps(write_steps(repo, "task: t\nsteps:\n  - propose: accept\n  - propose: edit\n"
                                          "    thought: mine instead\n    calls: [{list_files: {}}]\n  - answer: done\n"))
    model = ScriptedBackend(['Looking. <tool_call>{"name": "read_file", "arguments": {"path": "count.py"}}</tool_call>',
                             '<tool_call>{"name": "shell", "arguments": {"command": "rm -rf ."}}</tool_call>'])
    backend = DemonstrationBackend(script.steps, model)
    session = build_session(Config(approval="yolo"), repo, backend=backend, mode="record")
    recording = record_demonstration(session, backend, script.exchanges("t"))
    log = read_log(recording.log_path)
    assert log.problems == []
    notes = [e for e in log.events if isinstance(e, ExpertStep)]
    assert [n.source for n in notes] == ["model", "edited", "expert"]
    assert notes[1].proposal["tool_calls"][0]["arguments"] == {"command": "rm -rf ."}
    calls = [c.name for e in log.events if e.type == "assistant_message" for c in e.tool_calls]
    assert calls == ["read_file", "list_files"]  # the edited proposal never ran
    assert (repo / "count.py").exists()
    assert json.loads(json.dumps(log.started.backend_settings))["proposer"]["model"] == "scripted"


def test_a_failed_or_refused_step_fails_the_recording_and_its_label(repo):
    """The steps file says success, but a step failed and one was refused: exit 1, outcome fail."""
    write_steps(repo, "task: t\nsteps:\n  - calls: [{read_file: {path: missing.py}}]\n"
                      "  - calls: [{shell: {command: 'echo hi'}}]\n  - answer: done\n"
                      "label: {outcome: success, quality: 5}\n")
    assert cli("record", "--steps", str(repo / "steps.yaml"), "--cwd", str(repo), "--approval", "auto-edit") == 1
    label = load_annotation(only_log(repo))
    assert label.outcome == "fail" and label.quality == 5
    assert "2 step(s) failed" in label.notes


def test_a_step_marked_expect_error_may_fail(repo, capsys):
    write_steps(repo, "task: t\nsteps:\n  - calls: [{read_file: {path: missing.py}}]\n    expect_error: true\n"
                      "  - answer: there is no missing.py\nlabel: {outcome: success, quality: 4}\n")
    assert cli("record", "--steps", str(repo / "steps.yaml"), "--cwd", str(repo)) == 0
    assert load_annotation(only_log(repo)).outcome == "success"
    assert "(expected)" in capsys.readouterr().err


def test_expect_error_belongs_on_a_step_with_calls(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("steps:\n  - answer: done\n    expect_error: true\n")
    with pytest.raises(StepsFileError, match="s.yaml:2: step 1: expect_error goes on a step with calls"):
        load_steps(path)
