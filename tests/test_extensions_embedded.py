"""Instructions, a custom command, a skill, a hook and plan mode with the real embedded model:
what shaped the session is in the log and in the exported row exactly as the model saw it."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from test_cli import limi, log_of, repo  # noqa: F401  (repo is a fixture)

from agent.events import HookRun, UserMessage


@pytest.mark.slow
def test_the_embedded_model_sees_instructions_command_skill_hook_and_plan_note(tmp_path, repo):  # noqa: F811
    agents = "Always answer in one short sentence. Tests run with `python -m pytest`.\n"
    (repo / "AGENTS.md").write_text(agents)
    skill = repo / ".limi" / "skills" / "release-notes"
    skill.mkdir(parents=True)
    (skill / "SKILL.md").write_text("---\nname: release-notes\ndescription: Write release notes from git log.\n---\n"
                                    "Run git log, group by feature, write NOTES.md.\n")
    commands = repo / ".limi" / "commands"
    commands.mkdir(parents=True)
    (commands / "explain.md").write_text("---\ndescription: explain a file\n---\nExplain what $1 does, briefly.\n")
    config_home = Path(os.environ["XDG_CONFIG_HOME"]) / "limi-cli"
    config_home.mkdir(parents=True, exist_ok=True)
    (config_home / "config.toml").write_text('[[hooks.user_prompt_submit]]\ncommand = "echo branch: main"\n')
    result = limi("run", "-p", "/explain app.py", "--approval", "plan", "--max-turns", "1", cwd=repo,
                  env={"LIMI_MAX_TOKENS": "48", "LIMI_SEED": "3"}, timeout=300)
    assert result.returncode in (0, 3), result.stderr
    log = log_of(repo)
    started = log.started
    (instructions,) = started.instructions
    assert instructions["path"].endswith("AGENTS.md")
    assert instructions["sha256"] == hashlib.sha256(agents.encode()).hexdigest()
    assert agents.strip() in started.system_prompt
    assert [s["name"] for s in started.skills] == ["release-notes"]
    assert "Write release notes from git log." in started.system_prompt
    assert "Run git log, group by feature" not in started.system_prompt  # the body only through the skill tool
    (hook,) = [e for e in log.events if isinstance(e, HookRun)]
    assert hook.event == "user_prompt_submit" and hook.exit_code == 0
    (user,) = [e for e in log.events if isinstance(e, UserMessage)]
    assert "Explain what app.py does, briefly." in user.content and "branch: main" in user.content
    assert "present_plan" in user.content  # the plan-mode note
    assert user.command["name"] == "explain"
    out = tmp_path / "rows.jsonl"
    assert limi("export", "--all", "-o", str(out), cwd=repo).returncode == 0
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert row["messages"][0]["content"] == started.system_prompt
    assert row["messages"][1]["content"] == user.content
    assert row["messages"][2]["role"] == "assistant"
