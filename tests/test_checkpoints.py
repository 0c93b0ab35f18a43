"""Checkpoints and undo: real files, a real shadow git store, the user's repository untouched."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agent.backends.scripted import ScriptedBackend
from agent.checkpoints import Checkpointer, CheckpointError, CheckpointStore, checkpoints_in_log, undo
from agent.events import Checkpoint, SessionStarted, Undo
from agent.messages import ToolCall
from agent.policy import Policy
from agent.session import Session
from agent.tools.files import WriteFileTool
from agent.tools.registry import default_tools
from agent.trajectory import TrajectoryWriter, read_log
from tests.test_git_tools import git


def repo_state(root: Path) -> dict[str, str]:
    """Everything of the user's repository that checkpoints must not touch."""
    return {
        "head": git(root, "rev-parse", "HEAD"),
        "branches": git(root, "for-each-ref", "--format=%(refname) %(objectname)"),
        "index": git(root, "ls-files", "--stage"),
        "stash": git(root, "stash", "list"),
        "status": git(root, "status", "--porcelain", "--untracked-files=all"),
    }


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test")
    git(root, "config", "user.email", "test@example.com")
    (root / ".gitignore").write_text("*.log\n")
    (root / "keep.txt").write_text("keep\n")
    (root / "edit.txt").write_text("original\n")
    (root / "gone.txt").write_text("will be deleted\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    (root / "edit.txt").write_text("stashed change\n")
    git(root, "stash", "-q")
    (root / "staged.txt").write_text("staged\n")
    git(root, "add", "staged.txt")
    (root / "app.log").write_text("ignored log\n")
    return root


def write_step(cp: Checkpointer, writer: TrajectoryWriter, turn: int) -> Checkpoint:
    event = cp(WriteFileTool(), ToolCall(id=f"call-{turn}", name="write_file", arguments={}), turn)
    writer.write(event)
    return event


def test_undo_restores_changed_created_and_deleted_files(repo: Path, tmp_path: Path) -> None:
    log = tmp_path / "s1.jsonl"
    cp = Checkpointer(repo, "s1")
    with TrajectoryWriter(log) as writer:
        first = write_step(cp, writer, 1)
        (repo / "edit.txt").write_text("changed by the agent\n")
        (repo / "sub" / "deep").mkdir(parents=True)
        (repo / "sub" / "deep" / "created.txt").write_text("new\n")
        (repo / "gone.txt").unlink()
        (repo / "app.log").write_text("log changed\n")
    assert (first.step, first.turn, first.tool, first.error) == (1, 1, "write_file", None)
    event = undo(repo, log)
    assert (repo / "edit.txt").read_text() == "original\n"
    assert (repo / "gone.txt").read_text() == "will be deleted\n"
    assert not (repo / "sub").exists()  # the created file and its now empty directories
    assert (repo / "app.log").read_text() == "log changed\n"  # ignored: neither snapshotted nor restored
    assert sorted(event.restored) == ["edit.txt", "gone.txt"] and event.deleted == ["sub/deep/created.txt"]
    logged = [e for e in read_log(log).events if isinstance(e, Undo)]
    assert logged == [event]


def test_the_users_branch_index_stash_and_head_are_untouched(repo: Path, tmp_path: Path) -> None:
    before = repo_state(repo)
    log = tmp_path / "s2.jsonl"
    cp = Checkpointer(repo, "s2")
    with TrajectoryWriter(log) as writer:
        write_step(cp, writer, 1)
        (repo / "agent.txt").write_text("agent\n")
        write_step(cp, writer, 2)
    (repo / "agent.txt").unlink()
    assert repo_state(repo) == before
    undo(repo, log, step=2)
    assert (repo / "agent.txt").read_text() == "agent\n"
    (repo / "agent.txt").unlink()
    assert repo_state(repo) == before
    assert "limi" not in git(repo, "for-each-ref")


def test_undo_to_an_earlier_step_and_the_steps_are_numbered(repo: Path, tmp_path: Path) -> None:
    log = tmp_path / "s3.jsonl"
    cp = Checkpointer(repo, "s3")
    with TrajectoryWriter(log) as writer:
        for turn, text in enumerate(["v1\n", "v2\n", "v3\n"], start=1):
            write_step(cp, writer, turn)
            (repo / "edit.txt").write_text(text)
    assert [c.step for c in checkpoints_in_log(log)] == [1, 2, 3]
    undo(repo, log, step=2)
    assert (repo / "edit.txt").read_text() == "v1\n"
    undo(repo, log)  # after an undo, one step further back: before v1 was written
    assert (repo / "edit.txt").read_text() == "original\n"
    with pytest.raises(CheckpointError, match="back at its first checkpoint"):
        undo(repo, log)
    undo(repo, log, step=3)  # a named step is always that step: before v3 was written
    assert (repo / "edit.txt").read_text() == "v2\n"
    with pytest.raises(CheckpointError, match="no checkpoint 7; its steps are 1, 2, 3"):
        undo(repo, log, step=7)


def test_works_in_a_workspace_that_is_not_a_git_repository(tmp_path: Path) -> None:
    ws = tmp_path / "plain"
    ws.mkdir()
    (ws / "notes.md").write_text("draft 1\n")
    (ws / ".gitignore").write_text("secret/\n")
    (ws / "secret").mkdir()
    (ws / "secret" / "key").write_text("k\n")
    log = tmp_path / "s4.jsonl"
    with TrajectoryWriter(log) as writer:
        write_step(Checkpointer(ws, "s4"), writer, 1)
    (ws / "notes.md").write_text("ruined\n")
    undo(ws, log)
    assert (ws / "notes.md").read_text() == "draft 1\n"
    assert not (ws / ".git").exists()
    tracked = subprocess.run(["git", f"--git-dir={CheckpointStore(ws).git_dir}", "ls-tree", "-r", "--name-only", "refs/limi/checkpoints/s4"],
                             capture_output=True, text=True, check=True).stdout.split()
    assert sorted(tracked) == [".gitignore", "notes.md"]  # .limi and ignored files stay out


def test_a_session_without_checkpoints_cannot_be_undone(tmp_path: Path) -> None:
    log = tmp_path / "s5.jsonl"
    log.write_text("")
    with pytest.raises(CheckpointError, match="has no checkpoints"):
        undo(tmp_path, log)


def _call(name: str, **arguments) -> str:
    return f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>'


def test_the_session_checkpoints_before_edits_only_and_logs_it(repo: Path, tmp_path: Path) -> None:
    backend = ScriptedBackend([
        _call("read_file", path="keep.txt"),
        _call("write_file", path="keep.txt", content="rewritten\n"),
        "done",
    ])
    log = tmp_path / "sessions" / "sess-1.jsonl"
    session = Session(backend, default_tools(), workspace=repo, session_id="sess-1", system_prompt="SYS",
                      policy=Policy(mode="auto-edit"), writer=TrajectoryWriter(log),
                      before_tool=Checkpointer(repo, "sess-1"))
    session.start()
    list(session.send("rewrite keep.txt"))
    session.end()
    assert (repo / "keep.txt").read_text() == "rewritten\n"
    types = [e.type for e in read_log(log).events]
    assert types.count("checkpoint") == 1
    assert types.index("checkpoint") == types.index("tool_result") + 2  # after read_file's result, before write's
    [checkpoint] = checkpoints_in_log(log)
    assert (checkpoint.turn, checkpoint.tool) == (2, "write_file")
    undo(repo, log)
    assert (repo / "keep.txt").read_text() == "keep\n"


def test_undo_command_lists_and_restores(repo: Path, tmp_path: Path) -> None:
    log = repo / ".limi" / "sessions" / "20260101-000000-abcdef.jsonl"
    with TrajectoryWriter(log) as writer:  # a log starts with its header, or it is no session (issue 12)
        writer.write(SessionStarted(session_id=log.stem, limi_version="0", model="m", backend="b", cwd=str(repo),
                                    approval="auto-edit", system_prompt=""))
        write_step(Checkpointer(repo, log.stem), writer, 1)
    (repo / "keep.txt").write_text("oops\n")
    cli = [sys.executable, "-m", "limi_cli.cli", "undo", "--cwd", str(repo)]
    listed = subprocess.run([*cli, "--list"], capture_output=True, text=True, check=True).stdout
    assert "step   1  turn   1" in listed and "write_file" in listed
    done = subprocess.run(cli, capture_output=True, text=True, check=True).stdout
    assert "restored keep.txt" in done
    assert (repo / "keep.txt").read_text() == "keep\n"
    bad = subprocess.run([*cli, "9"], capture_output=True, text=True)
    assert bad.returncode != 0 and "no checkpoint 9" in bad.stderr


def test_recorded_demo_stays_valid_after_undo_and_undo_goes_further_back(repo: Path, tmp_path: Path) -> None:
    """A finished session that is undone is still a valid demo: validate, stats and export keep it."""
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps([
        '<tool_call>{"name": "write_file", "arguments": {"path": "one.txt", "content": "1\\n"}}</tool_call>',
        '<tool_call>{"name": "write_file", "arguments": {"path": "two.txt", "content": "2\\n"}}</tool_call>',
        "done",
    ]))
    cli = [sys.executable, "-m", "limi_cli.cli"]
    run = subprocess.run([*cli, "run", "-p", "write two files", "-m", f"scripted:{replies}"], cwd=repo, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    for expected in ([True, False], [False, False]):
        undone = subprocess.run([*cli, "undo"], cwd=repo, capture_output=True, text=True)
        assert undone.returncode == 0, undone.stderr
        assert [(repo / name).exists() for name in ("one.txt", "two.txt")] == expected
    (log,) = (repo / ".limi" / "sessions").glob("*.jsonl")
    validate = subprocess.run([*cli, "data", "validate", str(log)], cwd=repo, capture_output=True, text=True)
    assert validate.returncode == 0, validate.stdout + validate.stderr
    out = tmp_path / "rows.jsonl"
    export = subprocess.run([*cli, "data", "export", str(log), "-o", str(out)], cwd=repo, capture_output=True, text=True)
    assert export.returncode == 0, export.stderr
    assert len(out.read_text().splitlines()) == 1


def test_undo_after_a_recorded_fix_takes_back_the_edit_not_the_check(repo: Path, tmp_path: Path) -> None:
    """record: read, edit, then a command that only prints. One `undo` must bring the edit back
    (the command's checkpoint changes nothing and is passed over), say which tool's step it
    undid, and the listing still shows the session as done."""
    (repo / "count.py").write_text("def count(n):\n    return list(range(n - 1))\n")
    steps = tmp_path / "fix.steps.yaml"
    steps.write_text(
        "task: Fix count.py\n"
        "steps:\n"
        "  - calls:\n"
        "      - read_file: {path: count.py}\n"
        "  - call: {name: edit, arguments: {path: count.py, old_string: 'range(n - 1)', new_string: 'range(n)'}}\n"
        "  - calls:\n"
        "      - shell: {command: \"python3 -c 'from count import count; print(count(3))'\"}\n"
        "  - answer: Fixed.\n"
        "label: {outcome: success, quality: 5}\n")
    cli = [sys.executable, "-m", "limi_cli.cli"]
    rec = subprocess.run([*cli, "record", "--steps", str(steps)], cwd=repo, capture_output=True, text=True)
    assert rec.returncode == 0, rec.stdout + rec.stderr
    assert "range(n))" in (repo / "count.py").read_text()
    undone = subprocess.run([*cli, "undo"], cwd=repo, capture_output=True, text=True)
    assert undone.returncode == 0, undone.stderr
    assert "before step 1 (edit): 1 written back" in undone.stdout
    assert "range(n - 1)" in (repo / "count.py").read_text()
    listed = subprocess.run([*cli, "sessions"], cwd=repo, capture_output=True, text=True, check=True).stdout
    assert " done " in listed and "unfinished" not in listed, listed
