"""Hooks end to end: real shell processes configured in TOML, a scripted model, headless runs,
line mode and the TUI under Pilot; what a hook adds or refuses is checked in the log and in the
exported LIMI row against exactly what the model was sent."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from agent.backends.scripted import ScriptedBackend
from agent.config import ConfigError, load_config, project_config_path, set_trust
from agent.events import HookRun
from agent.export import export_sessions
from agent.hooks import HookRunner, HooksConfig, context_block
from agent.sandbox import sandbox_problem
from agent.session_builder import build_session
from agent.trajectory import read_log
from limi_cli.headless import run_headless
from limi_cli.line_mode import LineChat
from limi_cli.tui.history import PromptHistory

NO_SANDBOX = 'sandbox = "off"\n'


def call(name: str, **arguments) -> str:
    return f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>'


def user_config(text: str) -> Path:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "limi-cli" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def headless(ws: Path, replies, task="go", *, fmt="text", quiet=False, overrides=None):
    backend = ScriptedBackend(replies)
    code = run_headless(task, ws, overrides or {}, fmt, False, quiet, backend=backend)
    return code, backend


def the_log(ws: Path):
    logs = sorted((ws / ".limi" / "sessions").glob("*.jsonl"))
    assert len(logs) == 1, logs
    log = read_log(logs[0])
    assert log.problems == []
    return log


def hook_runs(log) -> list[HookRun]:
    return [e for e in log.events if isinstance(e, HookRun)]


def exported_row(log, out: Path) -> dict:
    report = export_sessions([log.path], out)
    assert report.skipped == [] and len(report.rows) == 1
    return json.loads(out.read_text().splitlines()[0])


def assert_row_is_what_the_model_saw(row: dict, backend: ScriptedBackend) -> None:
    """Every message of the model's last call is in the row, with exactly the text the model read."""
    seen = [(m.role, m.content) for m in backend.calls[-1]]
    assert [(m["role"], m["content"]) for m in row["messages"]][: len(seen)] == seen


# -- config ----------------------------------------------------------------------------


@pytest.mark.parametrize("toml, key", [
    ('[[hooks.pre_tool_use]]\ncommand = "true"\nmatcher = "("\n', "hooks.pre_tool_use.0.matcher"),
    ('[[hooks.pre_tool_use]]\ncommand = "true"\narguments = "[a-"\n', "hooks.pre_tool_use.0.arguments"),
    ('[[hooks.stop]]\ncomand = "true"\n', "hooks.stop.0.comand"),
    ('[[hooks.stop]]\ncommand = "true"\nmatcher = "shell"\n', "hooks.stop.0.matcher"),
    ('[[hooks.session_start]]\ncommand = "  "\n', "hooks.session_start.0.command"),
    ('[[hooks.pre_tool_use]]\ncommand = "true"\ntimeout_s = 0\n', "hooks.pre_tool_use.0.timeout_s"),
    ('[[hooks.on_save]]\ncommand = "true"\n', "hooks.on_save"),
    ('[hooks]\npre_tool_use = "true"\n', "hooks.pre_tool_use"),
])
def test_a_malformed_hook_config_is_one_line_naming_the_key(tmp_path, toml, key):
    path = user_config(toml)
    with pytest.raises(ConfigError) as e:
        load_config(tmp_path, environ={})
    message = str(e.value)
    assert "\n" not in message and message.startswith(str(path)) and f"key '{key}'" in message


def test_a_misspelt_key_gets_a_suggestion(tmp_path):
    user_config('[[hooks.pre_tool_use]]\ncommand = "true"\nmatchr = "shell"\n')
    with pytest.raises(ConfigError, match="did you mean 'matcher'"):
        load_config(tmp_path, environ={})


def test_a_trusted_project_adds_its_hooks_after_the_users(tmp_path):
    ws = tmp_path / "ws"
    (ws / ".limi").mkdir(parents=True)
    user_config('[hooks]\ntimeout_s = 5\n[[hooks.stop]]\ncommand = "echo user"\n')
    project = project_config_path(ws)
    project.write_text('[[hooks.stop]]\ncommand = "echo project"\n[[hooks.session_end]]\ncommand = "echo bye"\n')
    notices: list[str] = []
    untrusted = load_config(ws, environ={}, notice=notices.append)
    assert [h.command for h in untrusted.hooks.stop] == ["echo user"] and untrusted.hooks.session_end == []
    assert len(notices) == 1 and "ignoring hooks" in notices[0] and "limi-cli trust" in notices[0]
    set_trust(project, project.read_bytes())
    trusted = load_config(ws, environ={}, notice=notices.append)
    assert [h.command for h in trusted.hooks.stop] == ["echo user", "echo project"]
    assert trusted.hooks.timeout_s == 5  # the project did not set it: the user's stays
    assert [h.command for h in trusted.hooks.session_end] == ["echo bye"] and len(notices) == 1


def test_an_untrusted_projects_hooks_do_not_run(tmp_path, capsys):
    ws = tmp_path / "ws"
    (ws / ".limi").mkdir(parents=True)
    project_config_path(ws).write_text(
        '[[hooks.session_start]]\ncommand = "touch ran-session-start"\n'
        '[[hooks.pre_tool_use]]\ncommand = "touch ran-pre-tool"\n')
    (ws / "a.txt").write_text("alpha\n")
    code, _ = headless(ws, [call("read_file", path="a.txt"), "Read."])
    err = capsys.readouterr().err
    assert code == 0
    assert [ln for ln in err.splitlines() if "ignoring hooks" in ln and "not trusted" in ln]
    assert not (ws / "ran-session-start").exists() and not (ws / "ran-pre-tool").exists()
    assert hook_runs(the_log(ws)) == []


# -- what hooks add and refuse, headless -------------------------------------------------


def test_context_from_session_start_prompt_and_post_tool_hooks_reaches_the_model_and_the_row(tmp_path, capsys):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "a.txt").write_text("alpha\n")
    user_config(NO_SANDBOX + """
[[hooks.session_start]]
name = "conventions"
command = "echo 'tests: pytest -q'"
[[hooks.user_prompt_submit]]
command = "cat > prompt.json; echo 'ticket: LIMI-7'"
[[hooks.post_tool_use]]
name = "reviewer"
matcher = "read_file"
command = "cat > post.json; echo 'a.txt is generated; do not edit it'"
""")
    code, backend = headless(ws, [call("read_file", path="a.txt"), "It says alpha."], "what is in a.txt?")
    assert code == 0 and capsys.readouterr().out.strip() == "It says alpha."

    first_user = backend.calls[0][1]
    assert first_user.role == "user"
    assert first_user.content == "\n\n".join([
        context_block("conventions", "session_start", "tests: pytest -q"),
        "what is in a.txt?",
        context_block("cat > prompt.json; echo 'ticket: LIMI-7'", "user_prompt_submit", "ticket: LIMI-7"),
    ])
    # the hooks got JSON on stdin
    prompt = json.loads((ws / "prompt.json").read_text())
    assert prompt["event"] == "user_prompt_submit" and prompt["prompt"] == "what is in a.txt?"
    assert prompt["cwd"] == str(ws) and prompt["session_id"] and prompt["approval"] == "auto-edit"
    post = json.loads((ws / "post.json").read_text())
    assert (post["event"], post["tool"], post["arguments"], post["is_error"]) == (
        "post_tool_use", "read_file", {"path": "a.txt"}, False)
    assert "alpha" in post["result"] and "hook_context" not in post["result"]

    tool = backend.calls[1][-1]
    assert tool.role == "tool" and tool.content == post["result"].rstrip("\n") + "\n\n" + context_block(
        "reviewer", "post_tool_use", "a.txt is generated; do not edit it")

    log = the_log(ws)
    runs = hook_runs(log)
    assert [(r.event, r.outcome, r.exit_code) for r in runs] == [
        ("session_start", "ok", 0), ("user_prompt_submit", "ok", 0), ("post_tool_use", "ok", 0)]
    assert runs[0].context == context_block("conventions", "session_start", "tests: pytest -q")
    assert runs[2].tool == "read_file" and runs[2].tool_call_id == backend.calls[1][-1].tool_call_id
    row = exported_row(log, tmp_path / "rows.jsonl")
    assert_row_is_what_the_model_saw(row, backend)
    assert row["messages"][-1] == {"role": "assistant", "content": "It says alpha."}


def test_pre_tool_use_blocks_matching_calls_with_the_reason_the_model_reads(tmp_path, capsys):
    ws = tmp_path / "ws"
    ws.mkdir()
    user_config(NO_SANDBOX + """
[[hooks.pre_tool_use]]
name = "no-force-push"
matcher = "shell|git_.*"
arguments = "push.*--force"
command = "cat > pre.json; echo 'force pushes are not allowed here' >&2; exit 2"
""")
    replies = [call("shell", command="git push --force origin main"), call("shell", command="echo fine > ok.txt"),
               "Pushed nothing."]
    code, backend = headless(ws, replies, overrides={"approval": "yolo"})
    err = capsys.readouterr().err
    assert code == 0
    assert "⚓ hook 'no-force-push' blocked shell: force pushes are not allowed here" in err
    refused = backend.calls[1][-1]
    assert refused.content == "Error: blocked by the hook 'no-force-push' (pre_tool_use): force pushes are not allowed here"
    assert (ws / "ok.txt").read_text() == "fine\n"  # the second call matched no hook and ran
    pre = json.loads((ws / "pre.json").read_text())
    assert pre["tool"] == "shell" and pre["arguments"] == {"command": "git push --force origin main"}

    log = the_log(ws)
    [run] = hook_runs(log)
    assert (run.event, run.outcome, run.exit_code, run.reason) == ("pre_tool_use", "block", 2,
                                                                   "force pushes are not allowed here")
    results = [e for e in log.events if e.type == "tool_result"]
    assert (results[0].error_kind, results[1].is_error) == ("blocked", False)
    assert_row_is_what_the_model_saw(exported_row(log, tmp_path / "rows.jsonl"), backend)


def test_a_blocked_prompt_never_reaches_the_model(tmp_path, capsys):
    ws = tmp_path / "ws"
    ws.mkdir()
    user_config(NO_SANDBOX + """
[[hooks.user_prompt_submit]]
name = "no-secrets"
command = "grep -q password && { echo 'the prompt mentions a password' >&2; exit 2; }; exit 0"
""")
    code, backend = headless(ws, ["never said"], "the password is hunter2")
    err = capsys.readouterr().err
    assert code == 1 and backend.calls == []
    assert ("limi-cli: error: the prompt was not sent: hook 'no-secrets' (user_prompt_submit) blocked it: "
            "the prompt mentions a password") in err
    log = the_log(ws)
    assert [e.type for e in log.events] == ["session_started", "hook_run", "session_ended"]
    assert log.ended.reason == "error" and "blocked it" in log.ended.error


def test_a_stop_hook_keeps_the_model_going_up_to_the_limit(tmp_path, capsys):
    ws = tmp_path / "ws"
    ws.mkdir()
    user_config(NO_SANDBOX + """
[hooks]
stop_limit = 2
[[hooks.stop]]
name = "tests-pass"
command = "cat >> stops.jsonl; echo >> stops.jsonl; echo 'run the tests before you finish' >&2; exit 2"
""")
    code, backend = headless(ws, ["Done.", "Really done.", "Finished."])
    err = capsys.readouterr().err
    assert code == 0 and len(backend.calls) == 3
    feedback = backend.calls[1][-1]
    assert feedback.role == "user" and "run the tests before you finish" in feedback.content
    assert feedback.content.startswith('<hook_feedback hook="tests-pass" event="stop">')
    assert "the limit of 2 (hooks.stop_limit) is reached" in err
    stops = [json.loads(line) for line in (ws / "stops.jsonl").read_text().splitlines() if line.strip()]
    assert [s["stop_hook_active"] for s in stops] == [False, True, True]
    assert [s["final_text"] for s in stops] == ["Done.", "Really done.", "Finished."]

    log = the_log(ws)
    runs = hook_runs(log)
    assert [(r.outcome, r.applied) for r in runs] == [("block", True), ("block", True), ("block", False)]
    assert runs[0].context == feedback.content
    assert log.ended.reason == "done" and log.ended.final_text == "Finished."
    assert_row_is_what_the_model_saw(exported_row(log, tmp_path / "rows.jsonl"), backend)


# -- hooks that misbehave ----------------------------------------------------------------


def test_a_hung_hook_is_killed_with_what_it_started_and_the_session_goes_on(tmp_path, capsys):
    ws = tmp_path / "ws"
    ws.mkdir()
    user_config(NO_SANDBOX + """
[[hooks.pre_tool_use]]
name = "hangs"
timeout_s = 1
command = "sleep 300 & echo $! > child.pid; wait"
""")
    code, backend = headless(ws, [call("shell", command="echo ran > ran.txt"), "Ok."], overrides={"approval": "yolo"})
    err = capsys.readouterr().err
    assert code == 0 and "⚠ hook 'hangs' (pre_tool_use) timed out after 1 s and was killed" in err
    assert (ws / "ran.txt").read_text() == "ran\n"  # a hook error does not block the call
    child = int((ws / "child.pid").read_text())
    assert not Path(f"/proc/{child}").exists()  # the hook's background child was killed too
    [run] = hook_runs(the_log(ws))
    assert (run.outcome, run.exit_code) == ("timeout", None) and run.duration_s < 30


@pytest.mark.skipif(sandbox_problem() is not None, reason="bubblewrap cannot run here")
def test_hooks_run_in_the_sessions_sandbox(tmp_path):
    ws, outside = tmp_path / "ws", tmp_path / "outside"
    ws.mkdir()
    outside.mkdir()
    command = f"touch inside.txt; touch {outside}/escaped.txt; sleep 300"
    config = load_config(ws, {"sandbox": "on"}, environ={})
    # the timeout leaves the sandbox time to start and run the two touches on a busy machine
    config.hooks = HooksConfig.model_validate({"session_end": [{"command": command, "name": "boxed", "timeout_s": 5}]})
    session = build_session(config, ws, backend=ScriptedBackend([]))
    session.start()
    ended = session.end("done")
    [run] = session.end_events
    assert run.outcome == "timeout" and ended.reason == "done"  # a hung hook in the sandbox is killed too
    assert (ws / "inside.txt").exists() and not (outside / "escaped.txt").exists()


def test_garbage_output_and_failing_hooks_are_one_line_errors(tmp_path, capsys):
    ws = tmp_path / "ws"
    ws.mkdir()
    user_config(NO_SANDBOX + r"""
[[hooks.session_start]]
name = "binary"
command = 'printf "ok\000\377\376 junk"'
[[hooks.user_prompt_submit]]
name = "broken"
command = "echo 'first line of the trouble' >&2; echo more >&2; exit 1"
[[hooks.session_end]]
name = "cannot-block"
command = "echo nope >&2; exit 2"
""")
    code, backend = headless(ws, ["Fine."], "hello", fmt="json")
    err = capsys.readouterr().err.splitlines()
    assert code == 0 and backend.calls[0][1].content == "hello"  # nothing was added for the model
    assert ("limi-cli: hook 'binary' (session_start) printed output that is not text "
            "(binary or control characters); it was ignored") in err
    assert "limi-cli: hook 'broken' (user_prompt_submit) failed with exit code 1: first line of the trouble" in err
    assert "limi-cli: hook 'cannot-block' (session_end) exited 2, but a session_end hook cannot block: nope" in err
    log = the_log(ws)
    assert [(r.event, r.outcome, r.context) for r in hook_runs(log)] == [
        ("session_start", "error", None), ("user_prompt_submit", "error", None), ("session_end", "error", None)]
    assert [e.type for e in log.events][-2:] == ["hook_run", "session_ended"]


def test_long_output_is_cut_to_the_cap(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    config = HooksConfig.model_validate({"max_output_chars": 1000, "session_start": [
        {"command": "python3 -c \"print('x' * 200000)\"; python3 -c \"print('y' * 200000)\" >&2"}]})
    outcome = HookRunner(config, ws, "s1").run("session_start", {})
    [run] = outcome.runs
    assert run.truncated and run.outcome == "ok"
    assert run.stdout.startswith("x" * 1000) and run.stdout.endswith("[... output cut ...]") and len(run.stdout) < 1100
    assert run.stderr.startswith("y" * 1000) and len(run.stderr) < 1100
    assert outcome.context == [context_block(run.hook, "session_start", run.stdout.strip())]


def test_a_hook_that_does_not_read_a_large_payload_still_works(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    config = HooksConfig.model_validate({"post_tool_use": [{"command": "echo seen", "matcher": "shell"}]})
    outcome = HookRunner(config, ws, "s1").run("post_tool_use", {"result": "z" * 2_000_000}, tool="shell",
                                               arguments={})
    assert [r.outcome for r in outcome.runs] == ["ok"] and "seen" in outcome.context[0]
    assert HookRunner(config, ws, "s1").run("post_tool_use", {}, tool="read_file", arguments={}).runs == []


# -- the interactive front ends ------------------------------------------------------------


class Lines:
    def __init__(self, *lines: str):
        self.lines = list(lines)

    def __call__(self, prompt: str) -> str:
        if not self.lines:
            raise EOFError
        return self.lines.pop(0)


def test_line_mode_shows_hook_errors_and_blocks_and_goes_on(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    user_config(NO_SANDBOX + """
[[hooks.session_start]]
name = "flaky"
command = "exit 3"
[[hooks.pre_tool_use]]
name = "guard"
matcher = "shell"
command = "echo 'no shell today' >&2; exit 2"
""")
    config = load_config(ws, environ={})
    backend = ScriptedBackend([call("shell", command="ls"), "Could not list.", "Second answer."])
    sessions = []

    def factory(approver, log):
        sessions.append(build_session(config, ws, backend=backend, approver=approver, mode="chat"))
        return sessions[-1]

    out = io.StringIO()
    LineChat(factory, ws, history=PromptHistory(None), read=Lines("list files", "again"), out=out).run()
    text = out.getvalue()
    assert "⚠ hook 'flaky' (session_start) failed with exit code 3" in text
    assert "⚓ hook 'guard' blocked shell: no shell today" in text
    assert "Second answer." in text  # the chat went on
    log = read_log(sessions[0].writer.path)
    assert [r.outcome for r in hook_runs(log)] == ["error", "block"] and log.ended.reason == "done"


@pytest.mark.anyio
async def test_the_tui_shows_hook_runs_and_the_model_sees_their_context(tmp_path):
    from limi_cli.chat.factory import SessionFactory
    from limi_cli.tui.app import ChatApp
    from limi_cli.tui.widgets.event_line import EventLine
    from limi_cli.tui.widgets.notice import Notice
    from tests.pilot_helpers import ready, turn

    ws = tmp_path / "ws"
    ws.mkdir()
    user_config(NO_SANDBOX + """
[[hooks.user_prompt_submit]]
name = "gate"
command = "grep -q deploy && { echo 'deploys go through CI' >&2; exit 2; }; echo 'branch: main'"
[[hooks.session_end]]
command = "cat > end.json"
""")
    backend = ScriptedBackend(["On main."])

    class Factory(SessionFactory):
        def __call__(self, approver, log):
            from agent.session_builder import build_session
            return build_session(self.config, self.workspace, backend=backend, approver=approver, mode="chat",
                                 resume=log)

    app = ChatApp(Factory(load_config(ws, environ={}), ws), ws, history=PromptHistory(None))
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await turn(pilot, "deploy it")
        assert backend.calls == []
        notices = [w.text for w in app.query(Notice)]
        assert any("the prompt was not sent: hook 'gate' (user_prompt_submit) blocked it: deploys go through CI" in n
                   for n in notices)
        await turn(pilot, "which branch?")
        assert backend.calls[0][-1].content == "which branch?\n\n" + context_block(
            "gate", "user_prompt_submit", "branch: main")
        assert "⚓ hook 'gate' (user_prompt_submit) added 1 line of context for the model" in [
            w.text for w in app.query(EventLine)]
        log_path = app.session.writer.path
    end = json.loads((ws / "end.json").read_text())
    assert end["event"] == "session_end" and end["reason"] == "done"
    log = read_log(log_path)
    assert [(r.event, r.outcome) for r in hook_runs(log)] == [
        ("user_prompt_submit", "block"), ("user_prompt_submit", "ok"), ("session_end", "ok")]
    row = exported_row(log, tmp_path / "rows.jsonl")
    assert_row_is_what_the_model_saw(row, backend)
