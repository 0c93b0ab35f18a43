"""Skills (agent/skills.py, agent/tools/skill.py): names and descriptions in the system prompt,
the body read through the `skill` tool when the model decides to (progressive disclosure), bad
SKILL.md files named in one line, files confined to the skill's folder, `/NAME` in the chat; the
log and the exported row hold what the model read, end to end headless, in line mode and the TUI."""

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
from agent.config import Config
from agent.curation.dataset_io import session_to_row
from agent.policy import Policy
from agent.session import Session
from agent.session_builder import build_session, tools_for
from agent.skills import load_skills
from agent.tools.base import ToolContext, ToolError
from agent.tools.skill import SkillTool
from agent.tools.workspace import Workspace
from agent.trajectory import TrajectoryWriter, read_log
from limi_cli.chat.commands import CommandHandler
from limi_cli.chat.factory import SessionFactory
from limi_cli.line_mode import LineChat
from limi_cli.tui.history import PromptHistory

PDF = "---\nname: pdf-forms\ndescription: Fill in PDF forms; use it for any .pdf form.\n---\n# Filling forms\n\nUse `pdftk`.\nSee reference.md.\n"


def call(tool: str, **arguments) -> str:
    return f'<tool_call>{json.dumps({"name": tool, "arguments": arguments})}</tool_call>'


def user_skills() -> Path:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "limi-cli" / "skills"
    path.mkdir(parents=True, exist_ok=True)
    return path


def skill(base: Path, folder: str, text: str, **files: str) -> Path:
    (base / folder).mkdir(parents=True, exist_ok=True)
    (base / folder / "SKILL.md").write_text(text)
    for name, content in files.items():
        (base / folder / name).write_text(content)
    return base / folder


@pytest.fixture
def ws(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    return root


def project_skills(ws: Path) -> Path:
    return ws / ".limi" / "skills"


def test_only_names_and_descriptions_go_in_the_system_prompt_and_the_body_comes_through_the_tool(ws):
    skill(project_skills(ws), "pdf-forms", PDF, **{"reference.md": "pdftk fill_form in.pdf data.fdf"})
    skill(user_skills(), "greet", "---\nname: greet\ndescription: Greet people by name\n---\nSay hello warmly.\n")
    backend = ScriptedBackend([call("skill", name="pdf-forms"), call("skill", name="pdf-forms", file="reference.md"),
                               "Filled."])
    session = build_session(Config(sandbox="off", approval="read-only"), ws, backend=backend, mode="headless")
    session.start()
    list(session.send("fill in form.pdf"))
    session.end()
    system = backend.calls[0][0].content
    assert ("# Skills\n\nSkills are instructions for particular kinds of tasks" in system
            and "- greet: Greet people by name\n- pdf-forms: Fill in PDF forms; use it for any .pdf form." in system)
    assert "pdftk" not in system and "Say hello warmly" not in system  # bodies only when asked for
    assert "skill" in [s.name for s in session.specs]
    body, reference = (m.content for m in backend.calls[-1] if m.role == "tool")
    assert body == ("Skill pdf-forms (.limi/skills/pdf-forms/SKILL.md):\n\n# Filling forms\n\nUse `pdftk`.\n"
                    "See reference.md.\n\nOther files in this skill's folder (read one with "
                    "skill(name=\"pdf-forms\", file=\"...\")):\n- reference.md")
    assert reference == "pdftk fill_form in.pdf data.fdf"  # a read tool: it ran in read-only mode
    log = read_log(session.writer.path)
    assert log.started.skills == [
        {"name": "greet", "path": str(user_skills() / "greet" / "SKILL.md"), "scope": "user",
         "sha256": hashlib.sha256((user_skills() / "greet" / "SKILL.md").read_bytes()).hexdigest()},
        {"name": "pdf-forms", "path": ".limi/skills/pdf-forms/SKILL.md", "scope": "project",
         "sha256": hashlib.sha256(PDF.encode()).hexdigest()},
    ]
    row = session_to_row(log)
    assert row["messages"][0]["content"] == system
    assert [m["content"] for m in row["messages"] if m["role"] == "tool"] == [body, reference]
    assert any(t["function"]["name"] == "skill" for t in row["tools"])


def test_no_skills_no_tool_and_a_projects_skill_hides_the_users(ws):
    assert "skill" not in [t.name for t in tools_for(Config(sandbox="off"), ws)]
    skill(user_skills(), "lint", "---\nname: lint\ndescription: the user's lint\n---\nuser\n")
    skill(project_skills(ws), "lint", "---\nname: lint\ndescription: the project's lint\n---\nproject\n")
    found = load_skills(ws)
    assert [(s.name, s.description, s.scope) for s in found.skills.values()] == [("lint", "the project's lint", "project")]
    assert "skill" not in [t.name for t in tools_for(Config(sandbox="off", tools=["read_file"]), ws)]
    assert "skill" in [t.name for t in tools_for(Config(sandbox="off"), ws)]


def test_bad_skill_files_are_named_in_one_line_and_the_session_goes_on(ws):
    base = project_skills(ws)
    skill(base, "broken", "---\nname: broken\ndescription: x\n  - nope: [\n---\nbody\n")
    skill(base, "nodesc", "---\nname: nodesc\n---\nbody\n")
    skill(base, "badname", "---\nname: Bad Name!\ndescription: x\n---\nbody\n")
    skill(base, "long", "---\nname: long\ndescription: " + "d" * 2000 + "\n---\nbody\n")
    skill(base, "noname", "---\ndescription: takes the folder's name\n---\nbody\n")
    backend = ScriptedBackend(["Still working."])
    session = build_session(Config(sandbox="off"), ws, backend=backend, mode="chat")
    session.start()
    list(session.send("hi"))
    session.end()
    badname, broken, long, nodesc = session.notices  # in the order of the folders
    assert broken.startswith(".limi/skills/broken/SKILL.md:4: the front matter is not valid YAML (")
    assert badname == (".limi/skills/badname/SKILL.md:2: the name 'Bad Name!' is not a skill name (lower-case "
                       "letters, digits, - and _, at most 64); the skill is left out")
    assert long == ".limi/skills/long/SKILL.md: the description is over 1024 characters; only its start is used"
    assert nodesc == (".limi/skills/nodesc/SKILL.md:1: no description in the front matter (description: when to use "
                      "the skill); the skill is left out")
    assert all("\n" not in n for n in session.notices)
    assert list(load_skills(ws).skills) == ["long", "noname"]
    assert read_log(session.writer.path).ended.reason == "done"


def test_files_are_confined_to_the_skills_folder(ws, tmp_path):
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    folder = skill(project_skills(ws), "pdf-forms", PDF)
    (folder / "leak.md").symlink_to(tmp_path / "secret.txt")
    (ws / "other.txt").write_text("not the skill's")
    tool = SkillTool(load_skills(ws))
    ctx = ToolContext(workspace=Workspace(ws))
    for bad in ("../../../other.txt", "/etc/hostname", "leak.md"):
        with pytest.raises(ToolError) as e:
            tool.run(SkillTool.Params(name="pdf-forms", file=bad), ctx)
        assert "TOP SECRET" not in str(e.value)
    with pytest.raises(ToolError, match="no skill named 'nope'; the skills are: pdf-forms"):
        tool.run(SkillTool.Params(name="nope"), ctx)


def test_a_big_skill_is_cut_to_the_output_cap(ws):
    skill(project_skills(ws), "huge", "---\nname: huge\ndescription: big\n---\n" + "line of text\n" * 5000)
    obs = SkillTool(load_skills(ws)).run(SkillTool.Params(name="huge"), ToolContext(workspace=Workspace(ws), max_output_chars=2000))
    assert obs.truncated and "characters cut" in obs.output and len(obs.output) < 2200


def test_headless_run_logs_and_exports_the_skill_as_the_model_read_it(ws, tmp_path):
    skill(project_skills(ws), "pdf-forms", PDF)
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps([call("skill", name="pdf-forms"), "I will use pdftk."]))
    env = {**os.environ, "LIMI_MAX_RETRIES": "0"}
    cli = [sys.executable, "-m", "limi_cli.cli"]
    result = subprocess.run([*cli, "run", "-p", "fill the form", "-m", f"scripted:{replies}", "--sandbox", "off"],
                            cwd=ws, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    (path,) = (ws / ".limi" / "sessions").glob("*.jsonl")
    log = read_log(path)
    body = next(e.output for e in log.events if e.type == "tool_result")
    assert "# Filling forms\n\nUse `pdftk`." in body
    out = tmp_path / "rows.jsonl"
    subprocess.run([*cli, "export", "--all", "-o", str(out)], cwd=ws, check=True, capture_output=True, timeout=120, env=env)
    row = json.loads(out.read_text())
    assert next(m["content"] for m in row["messages"] if m["role"] == "tool") == body
    assert "- pdf-forms: Fill in PDF forms" in row["messages"][0]["content"]

    result = subprocess.run([*cli, "run", "-p", "/pdf-forms form.pdf", "-m", f"scripted:{replies}", "--sandbox", "off"],
                            cwd=ws, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    newest = max((ws / ".limi" / "sessions").glob("*.jsonl"), key=lambda p: p.stat().st_mtime_ns)
    user = next(e for e in read_log(newest).events if e.type == "user_message")
    assert user.content.startswith("form.pdf\n\n[the skill pdf-forms, which the user chose for this]\nSkill pdf-forms")
    assert user.command["skill"] is True and user.command["name"] == "pdf-forms"


def test_a_skill_as_a_slash_command_in_line_mode(ws):
    skill(project_skills(ws), "pdf-forms", PDF)
    backend = ScriptedBackend(["On it."])

    class Factory(SessionFactory):
        def __call__(self, approver, log):
            return build_session(self.config, self.workspace, backend=backend, approver=approver, mode="chat")

    lines = ["/help", "/pdf-forms fill tax.pdf"]
    out = io.StringIO()
    chat = LineChat(Factory(Config(sandbox="off"), ws), ws, history=PromptHistory(ws / ".limi" / "history"),
                    read=lambda _: lines.pop(0) if lines else (_ for _ in ()).throw(EOFError), out=out)
    chat.run()
    assert "skills (.limi/skills/" in out.getvalue() and "/pdf-forms [REQUEST]" in out.getvalue()
    sent = backend.calls[0][-1].content
    assert sent == ("fill tax.pdf\n\n[the skill pdf-forms, which the user chose for this]\n"
                    + load_skills(ws).get("pdf-forms").text() + "\n[end of the skill pdf-forms]")


@pytest.mark.anyio
async def test_skills_complete_in_the_tui_menu(ws):
    from limi_cli.tui.app import ChatApp
    from tests.pilot_helpers import ready

    skill(project_skills(ws), "pdf-forms", PDF)
    backend = ScriptedBackend([])

    def factory(approver, log):
        return Session(backend, [SkillTool()], workspace=ws, session_id="s", system_prompt="SYS",
                       policy=Policy(approver=approver), writer=TrajectoryWriter(ws / "log.jsonl"), mode="chat")

    app = ChatApp(factory, ws, context_window=8192, history=PromptHistory(ws / ".limi" / "history"))
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        await pilot.press("/", "p", "d")
        assert app.completions.chosen() == "/pdf-forms "
        assert "skill: Fill in PDF forms" in str(app.completions.get_option_at_index(0).prompt)
    assert [c.name for c in CommandHandler(ws).extra_commands()] == ["pdf-forms"]
