"""An interrupted reply is real data: kept in the conversation, the log, the stats and the
exports (marked interrupted and not trained on), so rows still alternate user/assistant."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agent.backends.scripted import ScriptedBackend
from agent.config import Config
from agent.curation.formats.sharegpt import to_sharegpt
from agent.events import AssistantMessage, TextDelta, TurnInterrupted
from agent.curation.dataset_io import session_to_row
from agent.rows import validate_row
from agent.session import Interrupted
from agent.session_builder import build_session
from agent.trajectory import read_log


def interrupted_session(tmp_path):
    session = build_session(Config(), tmp_path, backend=ScriptedBackend(["partial " * 200, "Fine."]), mode="chat")
    session.start()
    deltas = 0
    with pytest.raises(Interrupted):
        for event in session.send("talk"):
            if isinstance(event, TextDelta):
                deltas += 1
                if deltas == 5:  # stop it mid-reply, on an event, not a timer
                    session.interrupt()
    list(session.send("go on"))
    session.end()
    return session


def test_the_partial_reply_is_in_the_conversation_the_log_and_the_stats(tmp_path):
    session = interrupted_session(tmp_path)
    assert [m.role for m in session.messages if m.role != "system"] == ["user", "assistant", "user", "assistant"]
    assert session.stats.turns == 2 and session.stats.usage.completion_tokens >= 5
    log = read_log(session.writer.path)
    assert log.problems == []
    cut = [e for e in log.events if isinstance(e, AssistantMessage) and e.interrupted]
    assert len(cut) == 1 and cut[0].content.startswith("partial partial") and cut[0].finish_reason == "interrupted"
    assert next(e for e in log.events if isinstance(e, TurnInterrupted)).partial_text.startswith("partial")
    assert log.ended.turns == 2


def test_exports_keep_it_untrained_and_alternating(tmp_path):
    session = interrupted_session(tmp_path)
    row = session_to_row(read_log(session.writer.path))
    assert validate_row(row) == []
    roles = [m["role"] for m in row["messages"] if m["role"] != "system"]
    assert roles == ["user", "assistant", "user", "assistant"]
    partial = [m for m in row["messages"] if m["role"] == "assistant"][0]
    assert partial["weight"] == 0 and partial["content"].startswith("partial")
    assert "weight" not in [m for m in row["messages"] if m["role"] == "assistant"][1]
    sharegpt = to_sharegpt(row)
    assert [t["from"] for t in sharegpt["conversations"] if t["from"] != "system"] == ["human", "gpt", "human", "gpt"]


def test_sessions_show_marks_it(tmp_path):
    session = interrupted_session(tmp_path)
    out = subprocess.run([sys.executable, "-m", "limi_cli.cli", "sessions", "--cwd", str(tmp_path), "show", session.session_id],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "interrupted: not trained on" in out.stdout and "partial partial" in out.stdout
