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
    msgs = [Message(role="user", content="x" * 3150)]
    assert meter.estimate(msgs) == 787  # nothing measured yet: characters / 4
    meter.record(Usage(prompt_tokens=1000, completion_tokens=50), msgs)  # 3 characters a token measured
    msgs.append(Message(role="tool", content="y" * 900, tool_call_id="c", name="t"))
    assert meter.estimate(msgs) == 1050 + 300
    # what was measured stays between 2 and 4 characters a token (tool descriptions count in tokens only)
    meter.record(Usage(prompt_tokens=5000), msgs)
    assert meter.chars_per_token == 2.0
    meter.record(Usage(prompt_tokens=100), msgs)
    assert meter.chars_per_token == 4.0


# -- clearing older tool results when a compaction cannot help ---------------------------------------

BIG_READS = [call("read_file", path=f"notes{i}.txt") for i in (0, 1, 2)]


def test_tool_results_too_few_turns_to_compact_are_cleared_oldest_first(tmp_path):
    from agent.events import ToolResultsCleared

    # keep_last 10: nothing can be summarised, but three 800-character results fill a 500-token window
    session, script = make(tmp_path, [*BIG_READS, "done"], window=500, keep_last=10)
    events = list(session.send(TASK))
    cleared = [e for e in events if isinstance(e, ToolResultsCleared)]
    assert cleared and script.summaries == 0 and not any(isinstance(e, Compaction) for e in events)
    first = cleared[0]
    assert first.context_tokens >= 0.8 * 500 and first.context_window == 500
    assert [session.messages[i].role for i in first.indices] == ["tool"] * len(first.indices)
    assert first.indices == sorted(first.indices) and first.indices[0] == 3  # the first result of the task
    # the model's next call saw the note in place of the cleared output, and its last call's result whole
    seen = session.backend.calls[-1]
    tools = [m for m in seen if m.role == "tool"]
    assert tools[0].content == first.content and "cleared" in first.content
    assert tools[-1].content.startswith("note 2") or "note 2" in tools[-1].content
    assert session.final_text == "done"


def test_the_last_calls_results_are_never_cleared(tmp_path):
    from agent.compaction import Compactor

    note = "[cleared]"
    msgs = [Message(role="system", content="SYS"), Message(role="user", content=TASK),
            Message(role="assistant", content="", tool_calls=[]), Message(role="tool", content="a" * 4000, tool_call_id="1", name="t"),
            Message(role="assistant", content="", tool_calls=[]), Message(role="tool", content="b" * 4000, tool_call_id="2", name="t")]
    chosen = Compactor(context_window=1000, compact_at=0.8).results_to_clear(msgs, estimate=2000, note=note)
    assert chosen == [3]  # the older result; message 5 answers the last model call
    # under the threshold, or without a window, nothing is cleared
    assert Compactor(context_window=1000).results_to_clear(msgs, estimate=700, note=note) == []
    assert Compactor(context_window=None).results_to_clear(msgs, estimate=5000, note=note) == []


def test_cleared_results_are_logged_and_replayed_and_resumed(tmp_path):
    from agent.events import ToolResultsCleared

    session, _ = make(tmp_path, [*BIG_READS, "done"], window=500, keep_last=10)
    list(session.send(TASK))
    seen = list(session.messages)
    session.end()
    log = read_log(tmp_path / "log.jsonl")
    assert log.problems == [] and any(isinstance(e, ToolResultsCleared) for e in log.events)
    assert compacted_messages(log) == seen  # the view the model had
    full = log.messages()
    assert all("cleared" not in m.content for m in full if m.role == "tool")  # every original output kept
    resumed = resume_session(Config(), tmp_path, tmp_path / "log.jsonl", backend=ScriptedBackend(["ok"]),
                             tools=[ReadFileTool()])
    assert resumed.messages == seen


def test_the_chat_front_ends_say_what_was_cleared():
    from agent.events import ToolResultsCleared
    from limi_cli.chat.outcomes import event_line

    event = ToolResultsCleared(indices=[3, 5], cleared_chars=12000, content="[cleared]", context_tokens=7000,
                               context_window=8192)
    assert event_line(event) == "≡ 2 older tool results cleared (12,000 characters) to fit the context window"
