"""A log that is not a session (0 bytes, left by a kill during start-up, or a first line that
is not a session_started header) is skipped with a note by ``sessions list``, ``--continue``
and the ``--resume`` picker, never an error; asking for it by id is a clear one-line error."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from agent.session_store import find_session, list_sessions, session_path
from agent.trajectory import read_log


def limi(*args, cwd: Path, input: str | None = None):
    env = {**os.environ, "LIMI_MAX_RETRIES": "0"}
    return subprocess.run([sys.executable, "-m", "limi_cli.cli", *args], cwd=cwd, input=input, env=env,
                          capture_output=True, text=True, timeout=120)


def scripted(tmp_path: Path, name: str, replies: list[str]) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(replies))
    return f"scripted:{path}"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace with one real session, then two newer files that are not sessions."""
    root = tmp_path / "ws"
    root.mkdir()
    result = limi("run", "-p", "remember the milk", "-m", scripted(tmp_path, "first", ["Noted."]), cwd=root)
    assert result.returncode == 0, result.stderr
    sessions = root / ".limi" / "sessions"
    session_path(sessions, "20990101-000000-aaaaaa").write_bytes(b"")  # killed during start-up
    session_path(sessions, "20990101-000001-bbbbbb").write_text('{"type":"user_message","content":"stray"}\n')
    return root


def real_log(ws: Path) -> Path:
    (log,) = [p for p in (ws / ".limi" / "sessions").glob("*.jsonl") if not p.stem.startswith("2099")]
    return log


def notes(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("note: skipped ")]


def test_sessions_list_skips_them_with_a_note(ws):
    result = limi("sessions", "list", cwd=ws)
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()[1:]
    assert len(rows) == 1 and rows[0].startswith(real_log(ws).stem) and "remember the milk" in rows[0]
    found = notes(result.stderr)
    assert len(found) == 2
    assert any("20990101-000000-aaaaaa.jsonl: empty log" in n for n in found)
    assert any("20990101-000001-bbbbbb.jsonl: its first line is not a session_started header" in n for n in found)

    as_json = limi("sessions", "list", "--json", cwd=ws)
    assert as_json.returncode == 0
    assert [json.loads(line)["id"] for line in as_json.stdout.splitlines()] == [real_log(ws).stem]


def test_continue_reopens_the_latest_real_session(tmp_path, ws):
    result = limi("chat", "--continue", "--plain", "-m", scripted(tmp_path, "second", ["You said: remember the milk."]),
                  cwd=ws, input="what did I say?\n")
    assert result.returncode == 0, result.stderr
    assert "You said: remember the milk." in result.stdout
    assert len(notes(result.stderr)) == 2 and "error" not in result.stderr
    log = read_log(real_log(ws))
    assert [e.type for e in log.events].count("session_resumed") == 1
    assert [m.content for m in log.messages() if m.role == "user"] == ["remember the milk", "what did I say?"]
    assert (ws / ".limi" / "sessions" / "20990101-000000-aaaaaa.jsonl").stat().st_size == 0  # left alone


def test_the_resume_picker_does_not_offer_them(tmp_path, ws):
    result = limi("chat", "--resume", "--plain", "-m", scripted(tmp_path, "third", ["Back."]), cwd=ws, input="1\nhi\n")
    assert result.returncode == 0, result.stderr
    offered = [line for line in result.stdout.splitlines() if re.match(r"\s*\d+\. ", line)]
    assert len(offered) == 1 and real_log(ws).stem in offered[0]
    assert "2099" not in result.stdout
    assert [e.type for e in read_log(real_log(ws)).events].count("session_resumed") == 1


def test_continue_with_only_an_empty_log_is_one_clear_line(tmp_path):
    sessions = tmp_path / ".limi" / "sessions"
    sessions.mkdir(parents=True)
    session_path(sessions, "20990101-000000-aaaaaa").write_bytes(b"")
    result = limi("chat", "--continue", "--plain", "-m", scripted(tmp_path, "none", ["x"]), cwd=tmp_path, input="")
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if not line.startswith("note: ")]
    assert errors == [f"limi-cli: error: no session to continue in {sessions}; start one with limi-cli"]
    assert len(notes(result.stderr)) == 1 and "Traceback" not in result.stderr


def test_resuming_an_empty_log_by_id_says_why(tmp_path, ws):
    result = limi("chat", "--resume", "20990101-000000", "--plain", "-m", scripted(tmp_path, "x", ["x"]), cwd=ws, input="")
    assert result.returncode != 0
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("limi-cli: error: ") and "20990101-000000-aaaaaa.jsonl cannot be resumed: empty log" in line


def test_a_prefix_shared_with_a_non_session_finds_the_real_one(tmp_path):
    real = session_path(tmp_path, "20260101-000000-aaaaaa")
    real.write_text(json.dumps({"type": "session_started", "session_id": real.stem, "ts": 1.0, "model": "m"}) + "\n")
    session_path(tmp_path, "20260101-000001-bbbbbb").write_bytes(b"")
    assert find_session(tmp_path, "20260101") == real
    skipped: list[tuple[Path, str]] = []
    assert [s.id for s in list_sessions(tmp_path, skipped)] == [real.stem]
    assert [p.stem for p, _ in skipped] == ["20260101-000001-bbbbbb"]
