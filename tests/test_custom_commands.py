"""Custom slash commands (agent/custom_commands.py): front matter, arguments, `!` lines (approval,
trust, the sandbox, timeouts, output caps), allowed-tools and model for the command's turn, and
the expanded text exactly as the model read it in the log and the exported row; end to end in
line mode, the TUI under Pilot and headless `limi-cli run`."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.backends.scripted import ScriptedBackend
from agent.config import Config, set_trust
from agent.curation.dataset_io import session_to_row
from agent.custom_commands import allow_rule, expand, load_commands
from agent.sandbox import sandbox_problem
from agent.session_builder import build_session
from agent.trajectory import read_log
from limi_cli.chat.commands import CommandHandler, Reply, SendPrompt
from limi_cli.chat.factory import SessionFactory
from limi_cli.line_mode import ChatCompleter, LineChat
from limi_cli.tui.history import PromptHistory


def call(name: str, **arguments) -> str:
    return f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>'


def user_commands() -> Path:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "limi-cli" / "commands"
    path.mkdir(parents=True, exist_ok=True)
    return path


def project_commands(ws: Path) -> Path:
    path = ws / ".limi" / "commands"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def ws(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    return root


class Factory(SessionFactory):
    """Sessions built as the chat builds them, on one scripted backend."""

    def __init__(self, config, workspace, backend):
        super().__init__(config, workspace)
        self.backend = backend

    def __call__(self, approver, log):
        return build_session(self.config, self.workspace, backend=self.backend, approver=approver, mode="chat", resume=log)


def line_chat(ws: Path, replies, lines, **config):
    backend = ScriptedBackend(replies)
    factory = Factory(Config(**{"sandbox": "off", **config}), ws, backend)
    answers = list(lines)

    def read(prompt: str) -> str:
        if not answers:
            raise EOFError
        return answers.pop(0)

    out = io.StringIO()
    return LineChat(factory, ws, history=PromptHistory(ws / ".limi" / "history"), read=read, out=out), backend, out


def the_log(ws: Path):
    (path,) = (ws / ".limi" / "sessions").glob("*.jsonl")
    return read_log(path)


# -- files and expansion ------------------------------------------------------------------


def test_front_matter_and_names(ws):
    (user_commands() / "git").mkdir()
    (user_commands() / "git" / "log.md").write_text("Show the log.\n")
    (user_commands() / "review.md").write_text("the user's review\n")
    (project_commands(ws) / "review.md").write_text(
        "---\ndescription: Review a file\nargument-hint: [file] [focus]\nallowed-tools: Bash(git diff:*), Read\n"
        "model: some-model\n---\nReview $1.\n")
    found = load_commands(ws)
    assert sorted(found.commands) == ["git:log", "review"]
    review = found.get("review")
    assert (review.scope, review.description, review.argument_hint) == ("project", "Review a file", "[file] [focus]")
    assert review.allowed_tools == ("Bash(git diff:*)", "Read") and review.model == "some-model"
    assert review.body == "Review $1.\n" and review.body_line == 7 and not review.trusted
    assert found.get("git:log").scope == "user" and found.get("git:log").trusted
    assert [str(allow_rule(t)) for t in ("Bash(git diff:*)", "Read", "shell: make test", "grep")] == [
        "shell: git diff*", "read_file: *", "shell: make test", "grep: *"]


def test_arguments_are_substituted(ws):
    (user_commands() / "fix.md").write_text("Fix issue $1 in $2 ($3). Everything: $ARGUMENTS\n")
    (user_commands() / "plain.md").write_text("Summarise the changes.\n")
    found = load_commands(ws)
    assert expand(found.get("fix"), '42 "src/a b.py"').text == 'Fix issue 42 in src/a b.py (). Everything: 42 "src/a b.py"'
    assert expand(found.get("plain"), "only the tests").text == "Summarise the changes.\n\nARGUMENTS: only the tests"
    assert expand(found.get("plain"), "").text == "Summarise the changes."


def test_bad_files_give_one_line_each_and_the_others_load(ws):
    commands = project_commands(ws)
    (commands / "broken.md").write_text("---\ndescription: fine\nsteps:\n  - one: [\n---\nbody\n")
    (commands / "hint.md").write_text("---\nargument-hint: [file] [focus]\ndescription: \"quoted\"\n---\nbody\n")
    (commands / "open.md").write_text("---\ndescription: x\nbody without end\n")
    (commands / "tools.md").write_text("---\nallowed-tools: {a: 1}\n---\nbody\n")
    (commands / "help.md").write_text("my help\n")
    (commands / "good.md").write_text("Good.\n")
    found = load_commands(ws, reserved={"help"})
    assert list(found.commands) == ["good", "hint"]
    assert (found.get("hint").argument_hint, found.get("hint").description) == ("[file] [focus]", "quoted")
    assert found.problems["broken"].startswith(".limi/commands/broken.md:4: the front matter is not valid YAML (")
    assert found.problems["open"] == (".limi/commands/open.md:1: the front matter opened by '---' on line 1 is never "
                                      "closed; end it with a '---' line; /open is left out")
    assert found.problems["tools"].startswith(".limi/commands/tools.md:2: 'allowed-tools' must be a list of tools")
    assert found.problems["help"] == ".limi/commands/help.md: /help is a built-in command; rename the file to use it"
    assert all("\n" not in p for p in found.problems.values())


def test_a_bad_file_is_named_and_the_chat_goes_on(ws):
    (project_commands(ws) / "broken.md").write_text("---\ndescription: fine\n  bad indent: x\n---\nbody\n")
    (project_commands(ws) / "ok.md").write_text("Say ok.\n")
    chat, backend, out = line_chat(ws, ["ok!"], ["/broken", "/help", "/ok"])
    assert chat.run() == 0
    text = out.getvalue()
    assert text.count(".limi/commands/broken.md:3: the front matter is not valid YAML") == 3  # start, /broken, /help
    assert "/ok" in text and "ok!" in text
    assert backend.calls[0][-1].content == "Say ok."


# -- ! lines ---------------------------------------------------------------------------------


def test_bang_lines_run_only_when_the_mode_or_the_command_allows_it(ws):
    (ws / "notes.txt").write_text("alpha\n")
    (user_commands() / "ctx.md").write_text("Files:\n!cat notes.txt\nInline: !`echo $1`\nThen $1.\n")
    chat, backend, out = line_chat(ws, ["Seen."], ["/ctx beta"], approval="auto-edit")
    chat.run()
    assert backend.calls[0][-1].content == ("Files:\n[not run: `cat notes.txt` (not allowed without asking)]\n"
                                            "Inline: [not run: `echo $1` (not allowed without asking)]\nThen beta.")
    assert "ctx.md:2: `cat notes.txt` not run: auto-edit mode asks before running commands" in out.getvalue()

    chat, backend, out = line_chat(ws, ["Seen."], ["/ctx beta"], approval="yolo")
    chat.run()
    assert backend.calls[0][-1].content == "Files:\n```console\n$ cat notes.txt\nalpha\n```\nInline: beta\nThen beta."


def test_allowed_tools_let_the_command_run_its_lines_and_its_turn_without_asking(ws):
    (user_commands() / "st.md").write_text(
        "---\nallowed-tools: Bash(echo:*)\n---\nState: !`echo ready`\n")
    replies = [call("shell", command="echo from-the-turn"), "Done.", call("shell", command="echo later"), "Refused."]
    chat, backend, out = line_chat(ws, replies, ["/st", "again", "n"], approval="auto-edit")
    chat.run()
    assert backend.calls[0][-1].content == "State: ready"
    results = [e for e in the_log(ws).events if e.type == "tool_result"]
    assert results[0].output.strip() == "from-the-turn" and not results[0].is_error  # ran without asking
    assert results[1].is_error and results[1].error_kind == "refused"  # the next turn asked again: the person said n
    user = next(e for e in the_log(ws).events if e.type == "user_message")
    assert user.command["allowed_tools"] == ["shell: echo*"] and user.command["ran"] == ["echo ready"]


def test_a_deny_rule_wins_over_allowed_tools(ws):
    (user_commands() / "rm.md").write_text("---\nallowed-tools: Bash\n---\n!rm -rf stuff\n")
    (ws / "stuff").mkdir()
    chat, backend, out = line_chat(ws, ["ok"], ["/rm"], approval="yolo", rules={"deny": ["shell: rm *"]})
    chat.run()
    assert (ws / "stuff").is_dir()
    assert "`rm -rf stuff` not run: the deny rule 'shell: rm *' forbids it" in out.getvalue()


def test_arguments_reach_bang_lines_as_shell_variables_never_as_code(ws):
    (user_commands() / "say.md").write_text("!printf '%s|' \"$1\" \"$2\" \"$ARGUMENTS\"\n")
    chat, backend, _ = line_chat(ws, ["ok"], ["/say '$(touch pwned)' x;y"], approval="yolo")
    chat.run()
    assert "$(touch pwned)|x;y|'$(touch pwned)' x;y|" in backend.calls[0][-1].content
    assert not (ws / "pwned").exists()


def test_a_hanging_or_looping_bang_line_is_killed_with_one_line_naming_the_file_and_line(ws):
    (user_commands() / "hang.md").write_text("Before.\n!sleep 60\nAfter.\n")
    (user_commands() / "loop.md").write_text("Before.\n\n!yes\n")
    chat, backend, out = line_chat(ws, ["Went on.", "Went on again."], ["/hang", "/loop"],
                                   approval="yolo", command_timeout_s=1.0, max_output_chars=2000)
    chat.run()
    text = out.getvalue()
    hang = str(user_commands() / "hang.md")
    assert f"{hang}:2: `sleep 60` timed out after 1 s and was killed; its output so far is in the prompt" in text
    first = backend.calls[0][-1].content
    assert first.startswith("Before.\n```console\n$ sleep 60\n[timed out after 1 s") and first.endswith("After.")
    loop_prompt = backend.calls[1][-1].content
    assert f"{user_commands() / 'loop.md'}:3: `yes` timed out after 1 s" in text
    assert "characters cut ..." in loop_prompt and len(loop_prompt) < 2500
    assert "Went on." in text and "Went on again." in text  # the session went on
    assert the_log(ws).ended.reason == "done"


@pytest.mark.skipif(sandbox_problem() is not None, reason="bubblewrap cannot run here")
def test_bang_lines_run_in_the_sessions_sandbox(ws):
    (user_commands() / "escape.md").write_text("!echo out > ../outside.txt; echo in > inside.txt; echo wrote\n")
    for sandbox, escaped in (("on", False), ("off", True)):
        chat, backend, out = line_chat(ws, ["ok"], ["/escape"], approval="yolo", sandbox=sandbox)
        chat.run()
        assert (ws / "inside.txt").read_text() == "in\n"
        assert (ws.parent / "outside.txt").exists() == escaped, sandbox
        (ws / "inside.txt").unlink()


# -- trust ----------------------------------------------------------------------------------


def test_an_untrusted_project_command_is_prompt_text_only_until_trusted(ws, tmp_path):
    path = project_commands(ws) / "deploy.md"
    path.write_text("---\nallowed-tools: Bash\nmodel: scripted:/nonexistent.json\n---\nStatus: !`touch ran.txt; echo done`\n")
    chat, backend, out = line_chat(ws, [call("shell", command="echo hi"), "Asked."], ["/deploy", "n"], approval="yolo")
    chat.run()
    text = out.getvalue()
    assert ".limi/commands/deploy.md: its ! lines, allowed-tools and model are ignored: this project's commands are not trusted" in text
    assert not (ws / "ran.txt").exists()
    assert backend.calls[0][-1].content == "Status: [not run: `touch ran.txt; echo done` (this project's commands are not trusted)]"
    user = next(e for e in the_log(ws).events if e.type == "user_message")
    assert user.command["trusted"] is False and "allowed_tools" not in user.command and "model" not in user.command

    set_trust(path, path.read_bytes())  # what `limi-cli trust` does for each command file
    other = tmp_path / "other.json"
    other.write_text(json.dumps(["Answered by the other model."]))
    path.write_text(path.read_text().replace("/nonexistent.json", str(other)))
    chat, backend, out = line_chat(ws, ["unused"], ["/deploy"], approval="yolo")
    chat.run()
    assert "not trusted" in out.getvalue()  # changed after it was trusted: untrusted again
    set_trust(path, path.read_bytes())
    chat, backend, out = line_chat(ws, ["The session's model.", "The session's model again."], ["/deploy", "and now?"],
                                   approval="yolo")
    chat.run()
    assert (ws / "ran.txt").exists()
    assert "Answered by the other model." in out.getvalue()
    assert len(backend.calls) == 1 and backend.calls[0][-1].content == "and now?"  # the session's model is back
    logs = [read_log(p) for p in sorted((ws / ".limi" / "sessions").glob("*.jsonl"))]
    user = next(e for lg in logs for e in lg.events if e.type == "user_message" and e.command and e.command.get("model"))
    assert user.command["model"] == f"scripted:{other.name}" and user.command["trusted"] is True


def test_limi_cli_trust_remembers_the_command_files(ws):
    path = project_commands(ws) / "ctx.md"
    path.write_text("---\nallowed-tools: Bash(git status:*)\n---\n!git status\n")
    result = subprocess.run([sys.executable, "-m", "limi_cli.cli", "trust", "--cwd", str(ws)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "/ctx (.limi/commands/ctx.md): its ! lines, allowed-tools" in result.stdout
    assert load_commands(ws).get("ctx").trusted
    subprocess.run([sys.executable, "-m", "limi_cli.cli", "trust", "--revoke", "--cwd", str(ws)], check=True,
                   capture_output=True, timeout=60)
    assert not load_commands(ws).get("ctx").trusted


# -- the log and the export ---------------------------------------------------------------------


def test_the_log_and_the_row_hold_the_expanded_text_exactly(ws, tmp_path):
    (ws / "VERSION").write_text("1.2.3\n")
    (user_commands() / "release.md").write_text(
        "---\ndescription: Prepare a release\n---\nPrepare release $1.\n!cat VERSION\n")
    chat, backend, _ = line_chat(ws, ["Ready."], ["/release 2.0"], approval="yolo")
    chat.run()
    seen = backend.calls[0][-1].content
    assert seen == "Prepare release 2.0.\n```console\n$ cat VERSION\n1.2.3\n```"
    log = the_log(ws)
    user = next(e for e in log.events if e.type == "user_message")
    assert user.content == seen
    assert user.command == {"name": "release", "path": str(user_commands() / "release.md"), "scope": "user",
                            "sha256": load_commands(ws).get("release").sha256, "arguments": "2.0", "trusted": True,
                            "ran": ["cat VERSION"]}
    assert [m for m in session_to_row(log)["messages"] if m["role"] == "user"] == [{"role": "user", "content": seen}]


def test_headless_run_expands_a_command_and_exports_it(ws, tmp_path):
    (project_commands(ws) / "explain.md").write_text("---\ndescription: Explain a file\n---\nExplain $1 simply.\n")
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps(["It is empty."]))
    env = {**os.environ, "LIMI_MAX_RETRIES": "0"}
    cli = [sys.executable, "-m", "limi_cli.cli"]
    result = subprocess.run([*cli, "run", "-p", "/explain app.py", "-m", f"scripted:{replies}", "--sandbox", "off"],
                            cwd=ws, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "It is empty.\n"
    log = the_log(ws)
    user = next(e for e in log.events if e.type == "user_message")
    assert user.content == "Explain app.py simply." and user.command["name"] == "explain"
    out = tmp_path / "rows.jsonl"
    subprocess.run([*cli, "export", log.started.session_id, "-o", str(out)], cwd=ws, check=True, timeout=120, env=env,
                   capture_output=True)
    assert json.loads(out.read_text())["messages"][1] == {"role": "user", "content": "Explain app.py simply."}


def test_a_model_that_cannot_load_stops_the_command(ws):
    (user_commands() / "big.md").write_text("---\nmodel: scripted:/no/such/file.json\n---\nThink hard.\n")
    chat, backend, out = line_chat(ws, ["unused"], ["/big"])
    chat.run()
    assert "model 'scripted:/no/such/file.json' cannot be used: scripted model /no/such/file.json" in out.getvalue()
    assert "/big was not sent" in out.getvalue() and backend.calls == []


# -- menus ---------------------------------------------------------------------------------------


def test_commands_complete_and_are_listed_by_help(ws):
    (project_commands(ws) / "review.md").write_text("---\ndescription: Review a file\nargument-hint: FILE\n---\nx\n")
    handler = CommandHandler(ws)
    (help_reply,) = handler.run("help", "", None)
    assert "custom commands" in help_reply.text and "/review FILE" in help_reply.text and "Review a file" in help_reply.text
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    completer = ChatCompleter(ws, handler.extra_commands)
    found = [(c.text, c.display_meta_text) for c in completer.get_completions(Document("/rev"), CompleteEvent())]
    assert found == [("/review", "Review a file")]
    items = handler.run("review", "a.py", None)
    assert items == [Reply("no session yet", "warning")]


@pytest.mark.anyio
async def test_a_command_in_the_tui_menu_runs_and_shows_what_was_typed(ws):
    from limi_cli.tui.app import ChatApp
    from limi_cli.tui.widgets.user_message import UserMessage
    from tests.pilot_helpers import ready, wait_until

    (project_commands(ws) / "review.md").write_text("---\ndescription: Review a file\n---\nReview $ARGUMENTS now.\n")
    backend = ScriptedBackend(["Reviewed."])
    app = ChatApp(Factory(Config(sandbox="off"), ws, backend), ws, context_window=8192,
                  history=PromptHistory(ws / ".limi" / "history"))
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        await pilot.press("/", "r", "e", "v")
        assert app.completions.chosen() == "/review "
        assert "Review a file" in str(app.completions.get_option_at_index(0).prompt)
        await pilot.press("tab", *"src/a.py", "enter")
        await wait_until(pilot, lambda: app.turns_done == 1)
        assert [w.text for w in app.query(UserMessage)] == ["/review src/a.py"]
    assert backend.calls[0][-1].content == "Review src/a.py now."
    assert next(e for e in the_log(ws).events if e.type == "user_message").content == "Review src/a.py now."


def test_the_handler_sends_a_prompt_turn(ws):
    (user_commands() / "hi.md").write_text("Say hi to $1.\n")
    backend = ScriptedBackend(["Hi!"])
    session = build_session(Config(sandbox="off"), ws, backend=backend, mode="chat")
    session.start()
    items = CommandHandler(ws).run("hi", "Ann", session, None)
    (prompt,) = [i for i in items if isinstance(i, SendPrompt)]
    assert prompt.shown == "/hi Ann" and prompt.turn.text == "Say hi to Ann."
    list(prompt.turn.events(session))
    session.end()
    assert backend.calls[0][-1].content == "Say hi to Ann."
