"""Project instructions (AGENTS.md): the user's and the root's in the system prompt with their
paths, a sub-folder's appended to the first tool result that touches it, each exactly as the
model saw it in the log and the exported row; the size cap, untrusted files, /init, /memory,
`limi-cli init`, end to end with a scripted model (headless, line mode, the TUI under Pilot)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.backends.scripted import ScriptedBackend
from agent.config import Config, load_config
from agent.curation.dataset_io import session_to_row
from agent.instructions import load_instructions
from agent.session_builder import build_session
from agent.trajectory import read_log
from limi_cli.chat.factory import SessionFactory
from limi_cli.line_mode import LineChat
from limi_cli.tui.history import PromptHistory


def call(name: str, **arguments) -> str:
    return f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>'


def user_dir() -> Path:
    """The user config dir of this test (conftest points XDG_CONFIG_HOME at a temp dir)."""
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "limi-cli"
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_session(ws: Path, replies, config: Config | None = None, text: str = "go"):
    backend = ScriptedBackend(replies)
    session = build_session(config or Config(sandbox="off"), ws, backend=backend, mode="chat")
    session.start()
    events = list(session.send(text))
    session.end()
    return session, backend, events


def test_user_and_root_files_are_in_the_system_prompt_with_their_paths_and_hashes(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "AGENTS.md").write_text("# Build\nRun `make check` before you finish.\n")
    (user_dir() / "AGENTS.md").write_text("Answer in English.\n")
    session, backend, _ = run_session(ws, ["Done."])
    prompt = backend.calls[0][0].content
    user_path = str(user_dir() / "AGENTS.md")
    assert f"## {user_path} (the user's, for every project)\n\nAnswer in English." in prompt
    assert "## AGENTS.md (this project's)\n\n# Build\nRun `make check` before you finish." in prompt
    assert prompt.index("Answer in English.") < prompt.index("make check")  # the project's comes last: it wins
    log = read_log(session.writer.path)
    assert log.started.system_prompt == prompt  # the log holds it exactly as the model saw it
    assert session_to_row(log)["messages"][0] == {"role": "system", "content": prompt}
    assert log.started.instructions == [
        {"path": user_path, "scope": "user", "sha256": hashlib.sha256(b"Answer in English.\n").hexdigest(),
         "bytes": 19, "chars": 18, "cut": False},
        {"path": "AGENTS.md", "scope": "project",
         "sha256": hashlib.sha256((ws / "AGENTS.md").read_bytes()).hexdigest(),
         "bytes": 44, "chars": 43, "cut": False},
    ]


def test_claude_md_is_read_when_there_is_no_agents_md_and_the_names_are_configurable(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "CLAUDE.md").write_text("claude rules\n")
    (ws / "GEMINI.md").write_text("gemini rules\n")
    found = load_instructions(ws, user_dir=tmp_path / "none")
    assert [f.shown_as for f in found.files] == ["CLAUDE.md"]
    (ws / "AGENTS.md").write_text("agents rules\n")
    assert [f.text for f in load_instructions(ws, user_dir=tmp_path / "none").files] == ["agents rules"]
    only_gemini = load_instructions(ws, names=["GEMINI.md"], user_dir=tmp_path / "none")
    assert [f.text for f in only_gemini.files] == ["gemini rules"]
    assert load_instructions(ws, names=[], user_dir=tmp_path / "none").files == []
    session, backend, _ = run_session(ws, ["ok"], Config(sandbox="off", instruction_files=[]))
    assert "agents rules" not in backend.calls[0][0].content and read_log(session.writer.path).started.instructions == []


def test_a_sub_folder_file_is_appended_once_to_the_first_result_that_touches_it(tmp_path):
    ws = tmp_path / "ws"
    (ws / "api" / "v2").mkdir(parents=True)
    (ws / "AGENTS.md").write_text("root rules\n")
    (ws / "api" / "AGENTS.md").write_text("api: every handler returns JSON\n")
    (ws / "api" / "v2" / "CLAUDE.md").write_text("v2: keep the old field names\n")
    (ws / "api" / "v2" / "h.py").write_text("def h():\n    return {}\n")
    (ws / "api" / "x.py").write_text("x = 1\n")
    replies = [call("read_file", path="api/v2/h.py"), call("read_file", path="api/x.py"),
               call("list_files", path="api"), "Read."]
    session, backend, _ = run_session(ws, replies)
    first, second, third = (m.content for m in backend.calls[-1] if m.role == "tool")
    assert first.startswith("     1\tdef h():")
    assert first.endswith("[instructions from api/AGENTS.md, for the files under api/]\n"
                          "api: every handler returns JSON\n[end of api/AGENTS.md]\n\n"
                          "[instructions from api/v2/CLAUDE.md, for the files under api/v2/]\n"
                          "v2: keep the old field names\n[end of api/v2/CLAUDE.md]")
    assert "[instructions from" not in second and "[instructions from" not in third  # shown once
    assert "root rules" not in first  # the root's is in the system prompt already
    log = read_log(session.writer.path)
    row = session_to_row(log)
    assert [m["content"] for m in row["messages"] if m["role"] == "tool"] == [first, second, third]
    assert [e.output for e in log.events if e.type == "tool_result"] == [first, second, third]


def test_a_resumed_session_does_not_show_a_folder_file_again(tmp_path):
    ws = tmp_path / "ws"
    (ws / "lib").mkdir(parents=True)
    (ws / "lib" / "AGENTS.md").write_text("lib rules\n")
    (ws / "lib" / "a.py").write_text("a = 1\n")
    session, _, _ = run_session(ws, [call("read_file", path="lib/a.py"), "ok"])
    backend = ScriptedBackend([call("read_file", path="lib/a.py"), "ok"])
    resumed = build_session(Config(sandbox="off"), ws, backend=backend, mode="chat", resume=session.writer.path)
    resumed.start()
    list(resumed.send("again"))
    resumed.end()
    results = [m.content for m in backend.calls[-1] if m.role == "tool"]
    assert "lib rules" in results[0] and "lib rules" not in results[1]


def test_a_folder_file_summarised_away_by_a_compaction_is_shown_again(tmp_path):
    from agent.compaction import Compactor

    ws = tmp_path / "ws"
    (ws / "lib").mkdir(parents=True)
    (ws / "lib" / "AGENTS.md").write_text("lib rules\n")
    (ws / "lib" / "a.py").write_text("a = 1\n")
    replies = iter([call("read_file", path="lib/a.py"), "ok", "ok 2", call("read_file", path="lib/a.py"), "ok 3"])
    backend = ScriptedBackend([lambda m: "SUMMARY" if m[0].content.startswith("You are compacting") else next(replies)] * 8)
    session = build_session(Config(sandbox="off"), ws, backend=backend, mode="chat")
    session.compactor = Compactor(keep_last=2)
    session.start()
    for text in ("read lib/a.py", "and?"):
        list(session.send(text))
    assert session.compact() is not None
    list(session.send("read it again"))
    session.end()
    results = [e.output for e in read_log(session.writer.path).events if e.type == "tool_result"]
    assert all("[instructions from lib/AGENTS.md, for the files under lib/]\nlib rules" in r for r in results)
    assert len(results) == 2


def test_a_10_mb_file_is_cut_to_the_cap_with_a_notice_and_the_session_goes_on(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    big = ("Always run the linter. " * 50 + "\n") * 8700  # about 10 MB
    (ws / "AGENTS.md").write_text(big)
    size = (ws / "AGENTS.md").stat().st_size
    assert size > 10_000_000
    session, backend, _ = run_session(ws, ["Fine."], Config(sandbox="off", instructions_max_chars=5000))
    prompt = backend.calls[0][0].content
    section = prompt.split("## AGENTS.md (this project's)\n\n", 1)[1]
    assert section.startswith(big[:5000].rstrip())
    assert f"[... cut here: AGENTS.md is {size:,} bytes, and only its first 5,000 characters are shown (instructions_max_chars)]" in section
    assert len(section) < 5300
    assert session.notices == [f"AGENTS.md: {size:,} bytes, over the 5,000-character limit (instructions_max_chars); "
                               "only its start is in the prompt"]
    record = read_log(session.writer.path).started.instructions[0]
    assert record["cut"] is True and record["bytes"] == size
    assert record["sha256"] == hashlib.sha256((ws / "AGENTS.md").read_bytes()).hexdigest()
    assert read_log(session.writer.path).ended.reason == "done"


def test_a_symlink_leading_out_of_the_workspace_is_refused_with_a_notice(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET\n")
    ws = tmp_path / "ws"
    (ws / "sub").mkdir(parents=True)
    (ws / "AGENTS.md").symlink_to(secret)
    (ws / "sub" / "AGENTS.md").symlink_to(secret)
    (ws / "sub" / "f.txt").write_text("f\n")
    session, backend, _ = run_session(ws, [call("read_file", path="sub/f.txt"), "ok"])
    assert "TOP SECRET" not in backend.calls[0][0].content
    assert "TOP SECRET" not in backend.calls[1][-1].content
    assert len(session.notices) == 1 and session.notices[0].startswith("AGENTS.md: cannot read it (")
    assert "outside the workspace" in session.notices[0]


def test_an_untrusted_project_cannot_choose_the_instruction_files(tmp_path):
    ws = tmp_path / "ws"
    (ws / ".limi").mkdir(parents=True)
    (ws / ".limi" / "config.toml").write_text('instruction_files = [".env"]\ninstructions_max_chars = 2000\n')
    notices = []
    config = load_config(ws, environ={}, notice=notices.append)
    assert config.instruction_files == ["AGENTS.md", "CLAUDE.md", "GEMINI.md"]
    assert config.instructions_max_chars == 2000  # a size is harmless
    assert "instruction_files" in notices[0] and "not trusted" in notices[0]


# -- end to end ---------------------------------------------------------------------------


def limi(*args, cwd, input=None, env=None):
    return subprocess.run([sys.executable, "-m", "limi_cli.cli", *args], cwd=cwd, input=input, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "LIMI_MAX_RETRIES": "0", **(env or {})})


def scripted(tmp_path: Path, replies) -> str:
    path = tmp_path / f"replies-{len(list(tmp_path.glob('replies-*')))}.json"
    path.write_text(json.dumps(replies))
    return f"scripted:{path}"


@pytest.fixture
def repo(tmp_path):
    ws = tmp_path / "repo"
    (ws / "src").mkdir(parents=True)
    (ws / "AGENTS.md").write_text("Run the tests with `pytest -q`.\n")
    (ws / "src" / "AGENTS.md").write_text("Code in src/ is typed: annotate every function.\n")
    (ws / "src" / "app.py").write_text("def add(a, b):\n    return a + b\n")
    subprocess.run(["git", "init", "-q"], cwd=ws, check=True)
    return ws


def test_headless_run_logs_and_exports_the_instructions_exactly_as_the_model_saw_them(tmp_path, repo):
    model = scripted(tmp_path, [call("read_file", path="src/app.py"), "It adds."])
    result = limi("run", "-p", "what does add do?", "-m", model, "--sandbox", "off", cwd=repo)
    assert result.returncode == 0, result.stderr
    (log_path,) = (repo / ".limi" / "sessions").glob("*.jsonl")
    log = read_log(log_path)
    assert "## AGENTS.md (this project's)\n\nRun the tests with `pytest -q`." in log.started.system_prompt
    tool = next(e for e in log.events if e.type == "tool_result")
    assert tool.output.endswith("[instructions from src/AGENTS.md, for the files under src/]\n"
                                "Code in src/ is typed: annotate every function.\n[end of src/AGENTS.md]")
    out = tmp_path / "rows.jsonl"
    assert limi("export", log.started.session_id, "-o", str(out), cwd=repo).returncode == 0
    row = json.loads(out.read_text())
    assert row["messages"][0]["content"] == log.started.system_prompt
    assert next(m for m in row["messages"] if m["role"] == "tool")["content"] == tool.output


def _line_chat(ws: Path, replies, lines, config: Config | None = None):
    backend = ScriptedBackend(replies)

    class Factory(SessionFactory):
        def __call__(self, approver, log):
            return build_session(self.config, self.workspace, backend=backend, approver=approver, mode="chat", resume=log)

    factory = Factory(config or Config(sandbox="off"), ws)
    answers = list(lines)

    def read(prompt: str) -> str:
        if not answers:
            raise EOFError
        return answers.pop(0)

    out = io.StringIO()
    chat = LineChat(factory, ws, history=PromptHistory(ws / ".limi" / "history"), read=read, out=out)
    return chat, backend, out


AGENTS_TEXT = "# Build and test\n\n- `pytest -q`\n\n# Layout\n\n- `src/`: the code\n"


@pytest.mark.parametrize("answer", ["y", "n"])
def test_init_in_line_mode_shows_the_file_as_a_diff_and_writes_it_only_when_approved(tmp_path, answer):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "setup.py").write_text("print('setup')\n")
    replies = [call("list_files", path="."), call("write_file", path="AGENTS.md", content=AGENTS_TEXT), "Wrote it."]
    chat, backend, out = _line_chat(ws, replies, ["/init", answer], Config(sandbox="off", approval="yolo"))
    assert chat.run() == 0
    text = out.getvalue()
    assert "write_file needs approval (yolo mode)" in text  # asked even in yolo
    assert "--- /dev/null\n+++ b/AGENTS.md\n@@ -0,0 +1,7 @@\n+# Build and test\n+\n+- `pytest -q`" in text
    assert (ws / "AGENTS.md").exists() == (answer == "y")
    log = read_log(next((ws / ".limi" / "sessions").glob("*.jsonl")))
    user = next(e for e in log.events if e.type == "user_message")
    assert user.command == {"name": "init", "builtin": True}
    assert user.content == backend.calls[0][1].content and user.content.startswith("Write a first AGENTS.md")
    if answer == "y":
        assert (ws / "AGENTS.md").read_text() == AGENTS_TEXT


def test_limi_cli_init_runs_the_chat_on_init_and_the_write_is_approved(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "Makefile").write_text("test:\n\tpytest\n")
    model = scripted(tmp_path, [call("write_file", path="AGENTS.md", content=AGENTS_TEXT), "AGENTS.md is written."])
    result = limi("init", "--plain", "-m", model, "--sandbox", "off", cwd=ws, input="y\n")
    assert result.returncode == 0, result.stderr
    assert "+++ b/AGENTS.md" in result.stdout and "AGENTS.md is written." in result.stdout
    assert (ws / "AGENTS.md").read_text() == AGENTS_TEXT


def test_init_improves_an_existing_agents_md(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "AGENTS.md").write_text("old\n")
    replies = [call("edit", path="AGENTS.md", old_string="old", new_string="new"), "Improved."]
    chat, backend, out = _line_chat(ws, replies, ["/init", "y"])
    chat.run()
    assert "AGENTS.md exists already: read it first and improve it with edit" in backend.calls[0][1].content
    assert "--- AGENTS.md\n+++ AGENTS.md\n@@\n-old\n+new" in out.getvalue()
    assert (ws / "AGENTS.md").read_text() == "new\n"


def _editor(tmp_path: Path, text: str) -> str:
    script = tmp_path / "editor.py"
    script.write_text(f"import sys\nopen(sys.argv[1], 'a').write({text!r})\n")
    return f"{sys.executable} {script}"


def test_memory_opens_the_project_and_the_user_file_in_the_editor(tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    ws.mkdir()
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", _editor(tmp_path, "Use tabs.\n"))
    chat, _, out = _line_chat(ws, [], ["/memory", "/memory user"])
    chat.run()
    assert (ws / "AGENTS.md").read_text() == "Use tabs.\n"
    assert (user_dir() / "AGENTS.md").read_text() == "Use tabs.\n"
    assert f"saved {ws / 'AGENTS.md'}; new sessions read it" in out.getvalue()
    monkeypatch.setenv("EDITOR", _editor(tmp_path, ""))  # closed without writing: no empty file is left
    (ws / "AGENTS.md").unlink()
    chat, _, out = _line_chat(ws, [], ["/memory"])
    chat.run()
    assert not (ws / "AGENTS.md").exists() and "was not written" in out.getvalue()


# -- the TUI ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_init_and_memory_in_the_tui(tmp_path, monkeypatch):
    from limi_cli.tui.app import ChatApp
    from limi_cli.tui.screens.approval_screen import ApprovalScreen
    from limi_cli.tui.widgets.notice import Notice
    from tests.pilot_helpers import ready, say, wait_until

    ws = tmp_path / "ws"
    ws.mkdir()
    backend = ScriptedBackend([call("write_file", path="AGENTS.md", content=AGENTS_TEXT), "Wrote AGENTS.md."])

    class Factory(SessionFactory):
        def __call__(self, approver, log):
            return build_session(self.config, self.workspace, backend=backend, approver=approver, mode="chat", resume=log)

    app = ChatApp(Factory(Config(sandbox="off"), ws), ws, context_window=8192, history=PromptHistory(ws / ".limi" / "h"))
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        await pilot.press("/", "i", "n")
        assert app.completions.chosen() == "/init "
        await say(pilot, "/init")
        await wait_until(pilot, lambda: isinstance(app.screen, ApprovalScreen))
        shown = str(app.screen.query_one("#preview").render())
        assert "+++ b/AGENTS.md" in shown and "+# Build and test" in shown
        await pilot.press("y")
        await wait_until(pilot, lambda: app.turns_done == 1)
        assert (ws / "AGENTS.md").read_text() == AGENTS_TEXT
        monkeypatch.setenv("EDITOR", _editor(tmp_path, "More.\n"))
        await say(pilot, "/memory")
        await wait_until(pilot, lambda: any("saved" in w.text for w in app.query(Notice)))
    assert (ws / "AGENTS.md").read_text() == AGENTS_TEXT + "More.\n"
