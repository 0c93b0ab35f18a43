"""Subagents: the task tool runs a child session with a scripted model (the same backend answers
parent and children; see agent/backends/scripted.py), headless and in the TUI; the child's log,
the parent's link to it, `sessions show`, exports (LIMI rows, ATIF subagent_trajectories),
agent definitions and their trust, approvals, interrupts and calls side by side."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from agent.backends.scripted import ScriptedBackend
from agent.config import Config, set_trust
from agent.driver import running
from agent.events import AssistantMessage, SessionEnded, SessionStarted, SubagentEvent, ToolResult
from agent.export import export_dataset
from agent.session_builder import build_session
from agent.session_store import list_sessions, subagent_logs
from agent.subagents import load_agents, user_agents_dir
from agent.tools.task import TaskTool
from agent.trajectory import read_log
from tests.waiting import DEADLINE_S

SYS_NOTE = "# You are a subagent"


def call(name: str, **arguments) -> str:
    return f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>'


def config(**kw) -> Config:
    return Config(**{"context_window": 32768, "sandbox": "off", **kw})


def session_for(ws: Path, replies, *, concurrent: bool = False, approver=None, mode: str = "headless", **cfg):
    backend = ScriptedBackend(replies, concurrent=concurrent)
    return build_session(config(**cfg), ws, backend=backend, approver=approver, mode=mode), backend


def drive(session, task: str) -> tuple[list, object]:
    with running(session) as driver:
        driver.start()
        events = list(driver.turn(task))
    return events, driver.last


def logs(ws: Path) -> dict[str, object]:
    """Every session log of the workspace by session id, read."""
    return {p.stem: read_log(p) for p in sorted((ws / ".limi" / "sessions").glob("*.jsonl"))}


def child_of(ws: Path, parent_id: str):
    (child,) = [log for log in logs(ws).values() if log.started.parent_session_id == parent_id]
    return child


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "app.py").write_text("def add(a, b):\n    return a - b\n")
    return root


# -- the child session ------------------------------------------------------------------------


def test_a_task_call_runs_a_logged_child_and_returns_its_answer(ws):
    session, backend = session_for(ws, [
        "Let me delegate.\n" + call("task", brief="Find where add is defined."),
        {"when": "Find where add", "reply": call("grep", pattern="def add")},
        {"when": "Find where add", "reply": "add is defined in app.py:1."},
        "It is in app.py.",
    ])
    events, last = drive(session, "Where is add?")
    assert last.outcome == "done" and session.final_text == "It is in app.py."

    (result,) = [e for e in events if isinstance(e, ToolResult)]
    assert (result.name, result.output, result.is_error) == ("task", "add is defined in app.py:1.", False)
    child = child_of(ws, session.session_id)
    assert result.subagent_session_id == child.session_id  # the parent's result records the child
    parent_log = read_log(session.writer.path)
    assert [e.subagent_session_id for e in parent_log.events if isinstance(e, ToolResult)] == [child.session_id]
    assert not parent_log.problems and not child.problems

    started = child.started
    assert started.mode == "subagent" and started.parent_session_id == session.session_id
    assert started.parent_tool_call_id == result.tool_call_id
    assert started.subagent == {"agent": None, "max_turns": 15}
    assert started.approval == "auto-edit" and started.model == "scripted"
    tools = [t["function"]["name"] for t in started.tools]
    assert "grep" in tools and "read_file" in tools  # read-only by default
    assert not {"shell", "edit", "write_file", "git_commit", "task"} & set(tools)
    # what the child's model saw is what its log holds
    assert started.system_prompt.startswith(session.system_prompt) and SYS_NOTE in started.system_prompt
    messages = child.messages()
    assert [m.role for m in messages] == ["system", "user", "assistant", "tool", "assistant"]
    assert messages[1].content == "Find where add is defined."
    assert "app.py:1:def add(a, b):" in messages[3].content
    assert backend.calls[1] == messages[:2]  # the child's first model call: its own prompt and brief
    assert child.ended.reason == "done" and child.ended.final_text == "add is defined in app.py:1."
    # the child's events came up to the front end, under the call, in its log's order
    ups = [e for e in events if isinstance(e, SubagentEvent)]
    assert {e.tool_call_id for e in ups} == {result.tool_call_id} and {e.session_id for e in ups} == {child.session_id}
    assert [e.event.type for e in ups] == [e.type for e in child.events]


def test_the_task_tool_is_offered_to_large_context_models_or_when_named(ws):
    def names(**cfg) -> list[str]:
        return list(session_for(ws, [], **cfg)[0].tools)

    assert "task" not in names(context_window=8192)
    assert "task" in names(context_window=16384)
    assert "task" in names(context_window=8192, subagents={"min_context": 0})
    assert "task" not in names(context_window=65536, tools=["read_file", "grep"])
    assert names(context_window=8192, tools=["read_file", "task"]) == ["read_file", "task"]
    spec = next(s for s in session_for(ws, [])[0].specs if s.name == "task")
    assert "at most 15" in spec.description and set(spec.parameters["properties"]) == {"brief", "agent", "tools", "max_turns"}


def test_a_child_runs_within_its_turn_limit_and_tools_it_was_given(ws):
    session, _ = session_for(ws, [
        call("task", brief="Look around.", tools=["list_files"], max_turns=2),
        {"when": "Look around", "reply": call("list_files", path=".")},
        {"when": "Look around", "reply": call("list_files", path=".", depth=1)},
        "Nothing found.",
    ])
    events, _ = drive(session, "go")
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    assert result.is_error and "used its 2 turns" in result.output
    child = child_of(ws, session.session_id)
    assert child.ended.reason == "max_turns" and child.ended.turns == 2
    assert [t["function"]["name"] for t in child.started.tools] == ["list_files"]


def test_a_call_for_a_tool_the_parent_lacks_is_a_tool_error_and_the_session_goes_on(ws):
    session, _ = session_for(ws, [call("task", brief="x", tools=["task"]), call("task", brief="y", agent="nobody"),
                                  "ok"], tools=["read_file", "task"])
    events, last = drive(session, "go")
    first, second = [e for e in events if isinstance(e, ToolResult)]
    assert first.error_kind == "tool_error" and "'task' is not a tool a subagent can get; pick from: read_file" in first.output
    assert second.error_kind == "tool_error" and "no agent named 'nobody'" in second.output
    assert last.outcome == "done" and len(logs(ws)) == 1  # no child was started


# -- approval: never looser than the parent's --------------------------------------------------


@pytest.mark.parametrize("mode", ["read-only", "plan"])
def test_a_child_cannot_write_where_its_parent_cannot(ws, mode):
    session, _ = session_for(ws, [
        call("task", brief="Write the notes file.", tools=["write_file"]),
        {"when": "Write the notes", "reply": call("write_file", path="notes.txt", content="hi")},
        {"when": "Write the notes", "reply": "I could not write it."},
        "Done.",
    ], approval=mode)
    drive(session, "go")
    child = child_of(ws, session.session_id)
    assert child.started.approval == "read-only"
    (refused,) = [e for e in child.events if isinstance(e, ToolResult)]
    assert refused.error_kind == "refused" and not (ws / "notes.txt").exists()


def test_a_child_follows_the_parents_mode_when_the_person_changes_it(ws):
    holder = {}

    def tighten(messages):  # the person switches the parent to read-only while the child works
        holder["session"].policy.mode = "read-only"
        return call("write_file", path="notes.txt", content="hi")

    session, _ = session_for(ws, [
        call("task", brief="Write the notes file.", tools=["write_file"]),
        {"when": "Write the notes", "reply": tighten},
        {"when": "Write the notes", "reply": "I could not."},
        "Done.",
    ], approval="yolo")
    holder["session"] = session
    drive(session, "go")
    child = child_of(ws, session.session_id)
    assert child.started.approval == "yolo"
    changed = [e for e in child.events if e.type == "approval_changed"]
    assert [(e.previous, e.approval) for e in changed] == [("yolo", "read-only")]
    (refused,) = [e for e in child.events if isinstance(e, ToolResult)]
    assert refused.error_kind == "refused" and not (ws / "notes.txt").exists()


def test_a_child_asks_the_parents_approver_saying_which_subagent_asks(ws):
    asked = []

    def approver(tool, call_, summary, mode):
        from agent.policy import Decision

        asked.append((tool.name, summary, mode))
        return Decision(True)

    session, _ = session_for(ws, [
        call("task", brief="Write the notes file.", tools=["write_file"]),
        {"when": "Write the notes", "reply": call("write_file", path="notes.txt", content="hi")},
        {"when": "Write the notes", "reply": "Written."},
        "Done.",
    ], approval="ask", approver=approver)
    drive(session, "go")
    assert [(n, m) for n, _, m in asked] == [("write_file", "ask")]
    assert asked[0][1].startswith("[subagent] ") and (ws / "notes.txt").read_text() == "hi"


# -- agent definitions ----------------------------------------------------------------------


def write_agent(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    path.write_text(text)
    return path


REVIEWER = """---
name: reviewer
description: Reviews a file for bugs.
tools: [read_file, shell]
model: {model}
max_turns: 4
---
You review code. Report each bug with its line.
"""


def scripted_model(tmp_path: Path, replies, name="child.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(replies))
    return f"scripted:{path}"


def test_a_users_agent_definition_sets_prompt_tools_model_and_limit(ws, tmp_path):
    model = scripted_model(tmp_path, [call("read_file", path="app.py"), "Line 2 subtracts instead of adding."])
    write_agent(user_agents_dir(), "reviewer", REVIEWER.format(model=model))
    session, backend = session_for(ws, [call("task", brief="Review app.py.", agent="reviewer"), "Found it."])
    spec = next(s for s in session.specs if s.name == "task")
    assert "- reviewer: Reviews a file for bugs." in spec.description  # the model knows the agents
    events, _ = drive(session, "review")
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    assert result.output == "Line 2 subtracts instead of adding."
    child = child_of(ws, session.session_id)
    assert child.started.model == "scripted:child.json"  # the agent's model, not the parent's
    assert [t["function"]["name"] for t in child.started.tools] == ["read_file", "shell"]
    assert child.started.system_prompt.startswith("You review code. Report each bug with its line.")
    assert child.started.subagent["agent"] == "reviewer" and child.started.subagent["max_turns"] == 4
    assert child.started.subagent["trusted"] is True and child.started.subagent["scope"] == "user"
    assert len(backend.calls) == 2  # the parent's backend answered only the parent


def test_an_untrusted_projects_agent_only_reads_on_the_sessions_model_until_trusted(ws, tmp_path):
    model = scripted_model(tmp_path, ["from the agent's model"])
    path = write_agent(ws / ".limi" / "agents", "reviewer", REVIEWER.format(model=model))
    found = load_agents(ws)
    assert found.agents["reviewer"].tools == ("read_file",) and found.agents["reviewer"].model is None
    (notice,) = found.notices
    assert notice.startswith(".limi/agents/reviewer.md: its tools shell and its model") and "limi-cli trust" in notice

    session, _ = session_for(ws, [call("task", brief="Review app.py.", agent="reviewer", tools=["read_file", "shell"]),
                                  {"when": "Review app.py", "reply": "from the session's model"}, "ok"], approval="yolo")
    assert notice in session.notices  # said to the person at the start
    events, _ = drive(session, "review")
    assert [e.output for e in events if isinstance(e, ToolResult)] == ["from the session's model"]
    child = child_of(ws, session.session_id)
    assert [t["function"]["name"] for t in child.started.tools] == ["read_file"]  # the call cannot widen it
    assert child.started.model == "scripted" and child.started.subagent["trusted"] is False

    set_trust(path, path.read_bytes())  # what `limi-cli trust` does for the file
    trusted = load_agents(ws).agents["reviewer"]
    assert trusted.trusted and trusted.tools == ("read_file", "shell") and trusted.model == model
    path.write_text(path.read_text() + "\nAlso run rm -rf.\n")  # a changed file is untrusted again
    assert not load_agents(ws).agents["reviewer"].trusted


def test_bad_agent_files_are_one_line_each_and_the_session_goes_on(ws):
    folder = ws / ".limi" / "agents"
    write_agent(folder, "broken", "---\nname: broken\ndescription: d\n  tools: x\n---\nbody\n")
    write_agent(folder, "tooly", "---\nname: tooly\ndescription: d\ntools: read_file, frobnicate\n---\nbody\n")
    write_agent(folder, "keyed", "---\nname: keyed\ndescription: d\ncolour: blue\n---\nbody\n")
    write_agent(folder, "bare", "Just text, no front matter.\n")
    write_agent(folder, "good", "---\ndescription: Reads things.\ntools: Read, Grep\n---\nYou read.\n")
    found = load_agents(ws)
    assert list(found.agents) == ["good"] and found.agents["good"].tools == ("read_file", "grep")
    problems = sorted(found.problems.values())
    assert len(problems) == 4 and all("\n" not in p and p.endswith("the agent is left out") for p in problems)
    assert problems[0].startswith(".limi/agents/bare.md:1: no front matter")
    assert problems[1].startswith(".limi/agents/broken.md:4: the front matter is not valid YAML")
    assert problems[2].startswith(".limi/agents/keyed.md:4: unknown key 'colour'")
    assert problems[3].startswith(".limi/agents/tooly.md:4: unknown tool 'frobnicate' in 'tools'")

    session, _ = session_for(ws, [call("task", brief="x", agent="tooly"), "still here"])
    assert all(p in session.notices for p in problems)
    events, last = drive(session, "go")
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    assert "no agent named 'tooly' (the agents: good); its file could not be used: .limi/agents/tooly.md:4:" in result.output
    assert last.outcome == "done" and session.final_text == "still here"


# -- interrupts ------------------------------------------------------------------------------


def run_in_thread(session, task: str):
    """Drive ``session`` through one turn in a thread; its events go to the queue, then None."""
    events: queue.Queue = queue.Queue()

    def work():
        with running(session) as driver:
            driver.start()
            for event in driver.turn(task):
                events.put(event)
            events.put(("outcome", driver.last.outcome))
        events.put(None)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return events, thread


def next_event(events: queue.Queue, matches, seen: list):
    while True:
        event = events.get(timeout=DEADLINE_S)
        assert event is not None, "the turn ended before the event came"
        seen.append(event)
        if matches(event):
            return event


def reader_of(fifo: Path) -> threading.Thread:
    """A thread that returns once something has written to ``fifo`` (the open blocks until then)."""
    thread = threading.Thread(target=lambda: fifo.read_text(), daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("side_by_side", [False, True])
def test_interrupting_the_parent_stops_its_children(ws, side_by_side):
    briefs = ["Wait for the first build.", "Wait for the second build."][: 2 if side_by_side else 1]
    replies = [" ".join(call("task", brief=b, tools=["shell"]) for b in briefs)]
    fifos = []
    for i, b in enumerate(briefs):
        fifos.append(ws / f"started-{i}")
        os.mkfifo(fifos[-1])
        # the command says it runs (through the FIFO), then would take two minutes
        replies.append({"when": b, "reply": call("shell", command=f"echo started > {fifos[-1].name} && sleep 120")})
    session, _ = session_for(ws, replies, concurrent=side_by_side, approval="yolo")
    readers = [reader_of(f) for f in fifos]
    events, thread = run_in_thread(session, "build")
    for reader in readers:  # every child's command is running now
        reader.join(timeout=DEADLINE_S)
        assert not reader.is_alive(), "a subagent's command did not start"
    session.interrupt()
    seen: list = []
    next_event(events, lambda e: e == ("outcome", "interrupted"), seen)
    thread.join(timeout=DEADLINE_S)
    assert not thread.is_alive()

    results = [e for e in seen if isinstance(e, ToolResult)]
    assert len(results) == len(briefs)  # each call's own outcome, with the child that ran
    assert all(r.error_kind == "interrupted" and r.subagent_session_id for r in results)
    children = [log for log in logs(ws).values() if log.started.parent_session_id == session.session_id]
    assert len(children) == len(briefs)
    assert all(c.ended is not None and c.ended.reason == "interrupted" for c in children)
    for child in children:
        (shell,) = [e for e in child.events if isinstance(e, ToolResult)]
        assert shell.error_kind == "interrupted" and "the command and its children were killed" in shell.output


# -- side by side -----------------------------------------------------------------------------


def test_task_calls_of_one_reply_run_side_by_side_where_the_backend_can(ws):
    both_running = threading.Barrier(2, timeout=DEADLINE_S)  # broken (an error reply) unless both children wait at once

    def meet(answer: str):
        def reply(messages):
            both_running.wait()
            return answer
        return reply

    session, _ = session_for(ws, [
        call("task", brief="Count the tests.") + call("task", brief="Count the modules."),
        {"when": "Count the modules", "reply": meet("3 modules")},
        {"when": "Count the tests", "reply": meet("5 tests")},
        "5 tests, 3 modules.",
    ], concurrent=True)
    events, last = drive(session, "count")
    assert last.outcome == "done"
    results = [e for e in events if isinstance(e, ToolResult)]
    assert [r.output for r in results] == ["5 tests", "3 modules"]  # in the order of the calls
    calls = [c.id for e in events if isinstance(e, AssistantMessage) for c in e.tool_calls]
    assert [r.tool_call_id for r in results] == calls
    parent = read_log(session.writer.path)
    assert not parent.problems
    assert [m.content for m in parent.messages() if m.role == "tool"] == ["5 tests", "3 modules"]
    assert [m.content for m in session.messages if m.role == "tool"] == ["5 tests", "3 modules"]


def test_no_more_than_max_parallel_children_run_at_once(ws):
    both_running = threading.Barrier(2, timeout=DEADLINE_S)
    threads: list[str] = []  # where each child's model call ran

    def reply(answer: str, meet: bool):
        def answer_in_thread(messages):
            threads.append(threading.current_thread().name)
            if meet:
                both_running.wait()  # the first two run together, holding both places
            return answer
        return answer_in_thread

    session, _ = session_for(ws, [
        call("task", brief="Job a.") + call("task", brief="Job b.") + call("task", brief="Job c."),
        {"when": "Job a", "reply": reply("a", True)}, {"when": "Job b", "reply": reply("b", True)},
        {"when": "Job c", "reply": reply("c", False)}, "abc",
    ], concurrent=True, subagents={"max_parallel": 2})
    events, _ = drive(session, "go")
    assert [e.output for e in events if isinstance(e, ToolResult)] == ["a", "b", "c"]
    assert len(threads) == 3 and len(set(threads)) == 2  # the third waited for a place
    assert session_for(ws, [], concurrent=True, subagents={"max_parallel": 1})[0].call_batches is None


def test_without_a_concurrent_backend_task_calls_run_one_after_another(ws):
    session, _ = session_for(ws, [
        call("task", brief="Count the tests.") + call("task", brief="Count the modules."),
        {"when": "Count the tests", "reply": "5 tests"},
        {"when": "Count the modules", "reply": "3 modules"},
        "done",
    ], concurrent=False)
    assert session.call_batches is None
    events, _ = drive(session, "count")
    kinds = [(e.event.type, e.session_id) for e in events if isinstance(e, SubagentEvent)
             and e.event.type in ("session_started", "session_ended")]
    first, second = kinds[0][1], kinds[2][1]
    assert [k for k, _ in kinds] == ["session_started", "session_ended", "session_started", "session_ended"]
    assert kinds[1][1] == first and kinds[3][1] == second != first


# -- sessions, exports -----------------------------------------------------------------------


def parent_and_child(ws: Path):
    session, _ = session_for(ws, [
        call("task", brief="Find where add is defined."),
        {"when": "Find where add", "reply": call("grep", pattern="def add")},
        {"when": "Find where add", "reply": "app.py:1"},
        "In app.py.",
    ])
    drive(session, "Where is add?")
    return session.session_id, child_of(ws, session.session_id)


def test_listings_leave_subagents_out_unless_asked(ws):
    parent_id, child = parent_and_child(ws)
    folder = ws / ".limi" / "sessions"
    assert [s.id for s in list_sessions(folder)] == [parent_id]  # --continue and pickers resume the parent
    assert {s.id: s.parent_session_id for s in list_sessions(folder, subagents=True)} == {
        parent_id: None, child.session_id: parent_id}
    assert subagent_logs(folder) == {parent_id: [(child.started.parent_tool_call_id, child.path)]}


def test_an_export_has_the_child_as_its_own_row_and_atif_embeds_it(ws, tmp_path):
    parent_id, child = parent_and_child(ws)
    parent_path = ws / ".limi" / "sessions" / f"{parent_id}.jsonl"
    report = export_dataset([parent_path], tmp_path / "out.jsonl")  # the parent brings its child
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["id"] for r in report.rows] == [parent_id, child.session_id]
    assert rows[1]["messages"][0]["content"] == child.started.system_prompt
    assert rows[1]["messages"][1] == {"role": "user", "content": "Find where add is defined."}
    assert report.rows[0]["subagents"] == [child.session_id]
    assert report.rows[1]["parent_session_id"] == parent_id
    assert report.rows[1]["parent_tool_call_id"] == child.started.parent_tool_call_id

    # a folder lists the child too: still one row each
    again = export_dataset([ws / ".limi" / "sessions", parent_path], tmp_path / "again.jsonl")
    assert sorted(r["id"] for r in again.rows) == sorted([parent_id, child.session_id])

    atif = export_dataset([parent_path], tmp_path / "atif", "atif")
    assert sorted(p.name for p in (tmp_path / "atif").iterdir()) == [f"{parent_id}.json", "manifest.json"]
    doc = json.loads((tmp_path / "atif" / f"{parent_id}.json").read_text())
    (sub,) = doc["subagent_trajectories"]
    assert doc["schema_version"] == "ATIF-v1.7" and sub["trajectory_id"] == child.session_id
    assert [s["source"] for s in sub["steps"]] == ["system", "user", "agent", "agent"]
    refs = [r.get("subagent_trajectory_ref") for s in doc["steps"] for r in (s.get("observation") or {}).get("results", [])]
    assert refs == [[{"trajectory_id": child.session_id, "session_id": child.session_id}]]
    assert [(r["id"], r.get("parent_session_id")) for r in atif.rows] == [(parent_id, None), (child.session_id, parent_id)]

    # ATIF -> rows -> ATIF: the child is a row of its own again, and comes back embedded the same
    back = export_dataset([tmp_path / "atif"], tmp_path / "back.jsonl")
    assert [(r["id"], r.get("parent_session_id")) for r in back.rows] == [(parent_id, None), (child.session_id, parent_id)]
    export_dataset([tmp_path / "atif"], tmp_path / "atif2", "atif")
    assert (tmp_path / "atif2" / f"{parent_id}.json").read_bytes() == (tmp_path / "atif" / f"{parent_id}.json").read_bytes()


# -- end to end: limi-cli run, sessions show, export ---------------------------------------------


def limi(*args, cwd: Path):
    env = {**os.environ, "LIMI_MAX_RETRIES": "0", "LIMI_CONTEXT_WINDOW": "32768", "LIMI_SANDBOX": "off"}
    return subprocess.run([sys.executable, "-m", "limi_cli.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_headless_run_show_and_export_end_to_end(ws, tmp_path):
    write_agent(ws / ".limi" / "agents", "broken", "---\nname: broken\ndescription: d\ntools: [read_file, nope]\n---\nx\n")
    model = tmp_path / "replies.json"
    model.write_text(json.dumps({"replies": [
        "Delegating.\n" + call("task", brief="Find where add is defined."),
        {"when": "Find where add", "reply": call("grep", pattern="def add")},
        {"when": "Find where add", "reply": "add is defined at app.py:1."},
        "add is at app.py:1.",
    ]}))
    run = limi("run", "-p", "Where is add?", "-m", f"scripted:{model}", cwd=ws)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "add is at app.py:1."
    assert "limi-cli: .limi/agents/broken.md:4: unknown tool 'nope' in 'tools'" in run.stderr  # the run went on
    assert "↳ subagent started" in run.stderr and "↳ grep def add" in run.stderr

    (parent,) = list_sessions(ws / ".limi" / "sessions")
    child = child_of(ws, parent.id)
    shown = limi("sessions", "show", parent.id, cwd=ws)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    at = lines.index("← task [ok, " + lines[[i for i, x in enumerate(lines) if x.startswith("← task")][0]][12:])
    assert lines[at + 1].startswith(f"  ┆ subagent {child.session_id}  model scripted:replies.json")
    assert "  ┆ Find where add is defined." in lines and "  ┆ → grep {\"pattern\": \"def add\"}" in lines
    assert "  ┆ ended: done after 2 turns, 1 tool calls (0 errors, 0 invalid)" in " ".join(lines)
    last_nested = max(i for i, x in enumerate(lines) if x.startswith("  ┆"))
    assert lines[last_nested + 1] == "add is defined at app.py:1."  # the result the parent read, after the child

    out = tmp_path / "export"
    exported = limi("export", parent.id, "-o", str(out / "rows.jsonl"), cwd=ws)
    assert exported.returncode == 0, exported.stderr
    manifest = json.loads((out / "rows.jsonl.manifest.json").read_text())
    assert [(r["id"], r.get("parent_session_id")) for r in manifest["rows"]] == [(parent.id, None), (child.session_id, parent.id)]
    exported = limi("export", parent.id, "-o", str(out / "atif"), "--format", "atif", cwd=ws)
    assert exported.returncode == 0, exported.stderr
    doc = json.loads((out / "atif" / f"{parent.id}.json").read_text())
    assert [s["trajectory_id"] for s in doc["subagent_trajectories"]] == [child.session_id]


def test_limi_cli_trust_accepts_the_projects_agent_files(ws, tmp_path):
    model = scripted_model(tmp_path, [])
    write_agent(ws / ".limi" / "agents", "reviewer", REVIEWER.format(model=model))
    assert not load_agents(ws).agents["reviewer"].trusted
    trusted = limi("trust", cwd=ws)
    assert trusted.returncode == 0, trusted.stderr
    assert "trusted the 1 agent file(s) in .limi/agents" in trusted.stdout
    assert f"reviewer (.limi/agents/reviewer.md): read_file, shell; model {model}" in trusted.stdout
    agent = load_agents(ws).agents["reviewer"]
    assert agent.trusted and agent.tools == ("read_file", "shell") and agent.model == model
    revoked = limi("trust", "--revoke", cwd=ws)
    assert revoked.returncode == 0 and "1 agent file(s) in .limi/agents are no longer trusted" in revoked.stdout
    assert not load_agents(ws).agents["reviewer"].trusted


# -- the TUI ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_task_call_renders_in_the_chat(ws):
    from limi_cli.tui.app import ChatApp
    from limi_cli.tui.history import PromptHistory
    from limi_cli.tui.widgets.event_line import EventLine
    from limi_cli.tui.widgets.tool_block import ToolBlock
    from tests.pilot_helpers import ready, turn

    backend = ScriptedBackend([
        call("task", brief="Find where add is defined."),
        {"when": "Find where add", "reply": call("grep", pattern="def add")},
        {"when": "Find where add", "reply": "add is defined at app.py:1."},
        "It is at app.py:1.",
    ])

    def factory(approver, log):
        return build_session(config(), ws, backend=backend, approver=approver, mode="chat", resume=log)

    app = ChatApp(factory, ws, context_window=32768, history=PromptHistory(ws / ".limi" / "history"))
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        assert isinstance(app.session.tools["task"], TaskTool)
        await turn(pilot, "where is add?")
        (block,) = [b for b in app.query(ToolBlock) if b.tool_name == "task"]
        assert block.status == "ok" and block.output == "add is defined at app.py:1."
        assert "Find where add is defined." in str(block.title)
        lines = [w.text for w in app.query(EventLine)]
        child = child_of(ws, app.session.session_id)
        assert any(line.startswith("  ↳ subagent started") and child.session_id in line for line in lines)
        assert "  ↳ grep def add" in lines and "  ↳ subagent done after 2 turns" in lines


def test_a_subagents_events_are_never_written_to_the_parents_log(ws):
    parent_id, child = parent_and_child(ws)
    parent = read_log(ws / ".limi" / "sessions" / f"{parent_id}.jsonl")
    assert [e.type for e in parent.events] == ["session_started", "user_message", "assistant_message", "tool_result",
                                               "assistant_message", "session_ended"]
    assert len(child.events) == 6 and child.events[0].session_id == child.session_id


def test_stream_json_writes_a_subagents_messages_under_the_task_call(ws):
    from limi_cli.stream_json import StreamJsonMapper

    session, _ = session_for(ws, [
        call("task", brief="Find where add is defined."),
        {"when": "Find where add", "reply": call("grep", pattern="def add")},
        {"when": "Find where add", "reply": "app.py:1"},
        "In app.py.",
    ])
    events, _ = drive(session, "Where is add?")
    mapper = StreamJsonMapper()
    objects = [o for e in [session_started_of(session), *events] for o in mapper.map_all(e)]
    child = child_of(ws, session.session_id)
    task_id = next(c.id for e in events if isinstance(e, AssistantMessage) for c in e.tool_calls)
    nested = [o for o in objects if o.get("parent_tool_use_id")]
    assert [(o["type"], o["parent_tool_use_id"]) for o in nested] == [
        ("assistant", task_id), ("user", task_id), ("assistant", task_id)]
    assert all(o["limi"]["subagent_session_id"] == child.session_id for o in nested)
    assert nested[0]["message"]["id"] == f"msg_{child.session_id}_1"
    assert [o["type"] for o in objects if not o.get("parent_tool_use_id")] == ["system", "assistant", "user", "assistant"]


def session_started_of(session):
    return read_log(session.writer.path).started


def test_the_task_tool_runs_without_streaming_too(ws):
    session, _ = session_for(ws, [{"when": "Count", "reply": "3 files"}])
    session.start()
    obs = session.tools["task"].run(TaskTool.Params(brief="Count the files."), session.ctx)
    session.end()
    child = child_of(ws, session.session_id)
    assert (obs.output, obs.subagent_session_id) == ("3 files", child.session_id)
    assert child.started.parent_tool_call_id is None and child.ended.reason == "done"
