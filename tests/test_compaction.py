"""Long sessions: the context is measured, older turns are summarised, the log keeps both views."""

from __future__ import annotations

import json
from pathlib import Path

from agent.backends.scripted import ScriptedBackend
from agent.compaction import Compactor, compacted_messages
from agent.config import Config
from agent.events import Compaction
from agent.curation.dataset_io import session_to_row
from agent.rows import validate_row
from agent.messages import Message
from agent.policy import Policy
from agent.session import Session
from agent.session_builder import resume_session
from agent.tools.files import ReadFileTool
from agent.trajectory import TrajectoryWriter, read_log

TASK = "Summarise the notes files."


def call(name, **args):
    return f'<tool_call>{json.dumps({"name": name, "arguments": args})}</tool_call>'


class Script:
    """Replies in order, but answers a summarisation request (compact.md's system prompt) with a summary."""

    def __init__(self, replies: list[str]):
        self.replies = list(replies)
        self.summaries = 0

    def __call__(self, messages: list[Message]) -> str:
        if messages[0].content.startswith("You are compacting"):
            self.summaries += 1
            assert TASK in messages[1].content  # the summariser is told the task
            return f"SUMMARY {self.summaries}: read notes 0-2."
        return self.replies.pop(0)


def make(tmp_path: Path, replies: list[str], window: int | None, keep_last: int = 2):
    for i in range(5):
        (tmp_path / f"notes{i}.txt").write_text(f"note {i} " * 100)
    script = Script(replies)
    backend = ScriptedBackend([script] * 20)
    session = Session(backend, [ReadFileTool()], workspace=tmp_path, session_id="s", system_prompt="SYS",
                      policy=Policy(), writer=TrajectoryWriter(tmp_path / "log.jsonl"))
    session.compactor = Compactor(context_window=window, compact_at=0.8, keep_last=keep_last)
    session.start()
    return session, script


READS = [call("read_file", path=f"notes{i}.txt") for i in range(4)]


def test_context_past_the_configured_fill_compacts_automatically(tmp_path):
    session, script = make(tmp_path, [*READS, "done"], window=600)
    events = list(session.send(TASK))
    compactions = [e for e in events if isinstance(e, Compaction)]
    assert compactions and compactions[0].trigger == "auto" and script.summaries >= 1
    assert compactions[0].context_tokens >= 0.8 * 600


def test_compaction_keeps_the_system_prompt_the_task_and_the_last_turns(tmp_path):
    session, _ = make(tmp_path, [*READS, "done"], window=None)
    list(session.send(TASK))
    before = list(session.messages)
    event = session.compact()
    assert event is not None and event.trigger == "manual"
    assert session.messages[0].content == "SYS" and session.messages[1].content == TASK
    assert session.messages[2].content.endswith("SUMMARY 1: read notes 0-2.")
    assert session.messages[3:] == before[event.start + event.replaced:]
    assert len(session.messages) == len(before) - event.replaced + 1


def test_kept_turns_never_start_with_a_tool_result(tmp_path):
    session, _ = make(tmp_path, [*READS, "done"], window=None, keep_last=3)
    list(session.send(TASK))
    event = session.compact()
    assert session.messages[event.start + 1].role != "tool"


def test_no_context_window_means_no_automatic_compaction(tmp_path):
    session, script = make(tmp_path, [*READS, "done"], window=None)
    events = list(session.send(TASK))
    assert not any(isinstance(e, Compaction) for e in events) and script.summaries == 0


def test_too_short_a_conversation_is_not_compacted(tmp_path):
    session, script = make(tmp_path, ["hello"], window=None)
    list(session.send(TASK))
    assert session.compact() is None and script.summaries == 0


def test_compaction_is_logged_with_its_summary_and_the_count_it_replaced(tmp_path):
    session, _ = make(tmp_path, [*READS, "done"], window=None)
    list(session.send(TASK))
    event = session.compact()
    session.end()
    logged = [e for e in read_log(tmp_path / "log.jsonl").events if isinstance(e, Compaction)]
    assert len(logged) == 1
    assert logged[0].summary == "SUMMARY 1: read notes 0-2." and logged[0].replaced == event.replaced


def test_model_after_compaction_sees_the_summary_not_the_old_turns(tmp_path):
    session, _ = make(tmp_path, [*READS, "done", "next answer"], window=None)
    list(session.send(TASK))
    session.compact()
    list(session.send("and now?"))
    seen = session.backend.calls[-1]
    assert any("SUMMARY 1" in m.content for m in seen)
    assert not any(m.role == "tool" and "note 0" in m.content for m in seen)


def test_log_replay_gives_the_full_and_the_compacted_view(tmp_path):
    session, _ = make(tmp_path, [*READS, "done"], window=None)
    list(session.send(TASK))
    session.compact()
    compacted = list(session.messages)
    session.end()
    log = read_log(tmp_path / "log.jsonl")
    assert compacted_messages(log) == compacted
    assert len(log.messages()) > len(compacted)


def test_export_can_choose_the_full_or_the_compacted_view(tmp_path):
    session, _ = make(tmp_path, [*READS, "done"], window=None)
    list(session.send(TASK))
    session.compact()
    session.end()
    log = read_log(tmp_path / "log.jsonl")
    full, short = session_to_row(log, "full"), session_to_row(log, "compacted")
    assert len(short["messages"]) < len(full["messages"])
    assert any("SUMMARY 1" in m["content"] for m in short["messages"])
    assert not any("SUMMARY" in (m["content"] or "") for m in full["messages"])
    assert validate_row(short) == [] and validate_row(full) == []


def test_resumed_session_continues_from_the_compacted_view(tmp_path):
    session, _ = make(tmp_path, [*READS, "done"], window=None)
    list(session.send(TASK))
    session.compact()
    compacted = list(session.messages)
    session.end()
    resumed = resume_session(Config(), tmp_path, tmp_path / "log.jsonl", backend=ScriptedBackend(["ok"]),
                             tools=[ReadFileTool()])
    assert resumed.messages == compacted


def test_context_estimate_adds_new_messages_to_the_measured_call(tmp_path):
    from agent.compaction import ContextMeter
    from agent.messages import Usage

    meter = ContextMeter()
    msgs = [Message(role="user", content="x" * 400)]
    assert meter.estimate(msgs) == 100  # nothing measured yet: characters / 4
    meter.record(Usage(prompt_tokens=1000, completion_tokens=50), n_messages=1)
    msgs.append(Message(role="tool", content="y" * 800, tool_call_id="c", name="t"))
    assert meter.estimate(msgs) == 1050 + 200
