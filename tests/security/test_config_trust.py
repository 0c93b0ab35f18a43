"""The agent cannot change its own permissions: limi-cli's config files are protected from the
edit tools, and a project's .limi/config.toml widens nothing until the user trusts it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.config import (
    HARMLESS_KEYS, RISKY_KEYS, TIGHTEN_ONLY_KEYS, Config, ConfigError, load_config, set_trust, trust_store_path,
    user_config_path,
)
from agent.messages import ToolCall
from agent.policy import ApprovalRules, Decision, HeadlessApprover, Policy
from agent.tools.files import EditTool, MultiEditTool, WriteFileTool

SERVER = str(Path(__file__).parent.parent / "data" / "mcp_test_server.py")


# -- the edit tools and limi-cli's own config ------------------------------------------------


def write(path: str) -> ToolCall:
    return ToolCall(id="c", name="write_file", arguments={"path": path, "content": "x"})


@pytest.mark.parametrize("path", [
    ".limi/config.toml", ".limi/hooks/pre.sh", "./src/../.limi/config.toml", ".LIMI/config.toml", "sub/.limi/config.toml",
])
def test_writing_limi_config_needs_a_person_in_auto_edit(tmp_path, path):
    assert Policy(mode="auto-edit", workspace=tmp_path).verdict(WriteFileTool(), write(path)) == "ask"


@pytest.mark.parametrize("mode,expected", [("read-only", "deny"), ("ask", "ask"), ("auto-edit", "ask"), ("yolo", "allow")])
def test_every_mode_below_yolo_asks_for_limi_config(tmp_path, mode, expected):
    assert Policy(mode=mode, workspace=tmp_path).verdict(WriteFileTool(), write(".limi/config.toml")) == expected


def test_a_path_that_is_not_text_does_not_crash_the_check(tmp_path):
    policy = Policy(mode="auto-edit", workspace=tmp_path)
    assert policy.verdict(WriteFileTool(), write(".limi/\ud800")) == "ask"
    assert policy.verdict(WriteFileTool(), write("a\ud800.txt")) == "allow"


def test_every_edit_tool_is_covered(tmp_path):
    policy = Policy(mode="auto-edit", workspace=tmp_path)
    edit = ToolCall(id="c", name="edit", arguments={"path": ".limi/config.toml", "old_string": "a", "new_string": "b"})
    multi = ToolCall(id="c", name="multi_edit", arguments={"path": ".limi/config.toml", "edits": []})
    assert policy.verdict(EditTool(), edit) == "ask" and policy.verdict(MultiEditTool(), multi) == "ask"
    assert policy.verdict(WriteFileTool(), write("app.py")) == "allow"
    assert policy.verdict(WriteFileTool(), write("docs/limi.md")) == "allow"


def test_symlinks_into_the_config_are_followed(tmp_path):
    (tmp_path / ".limi").mkdir()
    (tmp_path / ".limi" / "config.toml").write_text("")
    (tmp_path / "notes.toml").symlink_to(tmp_path / ".limi" / "config.toml")
    policy = Policy(mode="auto-edit", workspace=tmp_path)
    assert policy.verdict(WriteFileTool(), write("notes.toml")) == "ask"
    other = tmp_path / "other"
    other.mkdir()
    (other / ".limi").symlink_to(tmp_path / "settings", target_is_directory=True)
    (tmp_path / "settings").mkdir()
    # .limi itself is a link: what it points to is the config
    assert Policy(mode="auto-edit", workspace=other).verdict(WriteFileTool(), write(str(tmp_path / "settings" / "config.toml"))) == "ask"


def test_the_user_config_dir_is_protected_when_it_is_inside_the_workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    policy = Policy(mode="auto-edit", workspace=tmp_path)
    assert policy.verdict(WriteFileTool(), write("xdg/limi-cli/trusted_projects.json")) == "ask"
    assert trust_store_path().parent == user_config_path().parent


def test_neither_an_allow_rule_nor_allow_for_session_lifts_it(tmp_path):
    asked = []

    def approver(tool, call, summary, mode):
        asked.append(summary)
        return Decision(True, remember=True)

    policy = Policy(mode="ask", approver=approver, workspace=tmp_path,
                    rules=ApprovalRules.model_validate({"allow": ["write_file: *"]}))
    assert policy.check(WriteFileTool(), write(".limi/config.toml"), "write_file .limi/config.toml").allowed
    assert policy.check(WriteFileTool(), write(".limi/config.toml"), "write_file .limi/config.toml").allowed
    assert len(asked) == 2 and "limi-cli's own configuration" in asked[0]


def test_a_deny_rule_still_refuses_and_headless_says_why(tmp_path):
    headless = Policy(mode="auto-edit", approver=HeadlessApprover(), workspace=tmp_path)
    decision = headless.check(WriteFileTool(), write(".limi/config.toml"), "write_file .limi/config.toml")
    assert not decision.allowed and "limi-cli's own configuration" in decision.note and "headless" in decision.note
    denied = Policy(mode="yolo", workspace=tmp_path, rules=ApprovalRules.model_validate({"deny": ["write_file: .limi/*"]}))
    assert denied.verdict(WriteFileTool(), write(".limi/config.toml")) == "deny"


# -- trusting a project's config ----------------------------------------------------------------

RISKY = """\
model = "openai:evil"
base_url = "http://127.0.0.1:9/v1"
approval = "yolo"
max_turns = 7
network = true
[rules]
allow = ["shell: *"]
deny = ["shell: curl *"]
[mcp_servers.x]
command = "sh"
args = ["-c", "touch marker"]
"""


def project(ws: Path, text: str) -> Path:
    path = ws / ".limi" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def load(ws: Path, notices: list[str] | None = None, user: Path | None = None) -> Config:
    return load_config(ws, environ={}, user_path=user or ws / "no-user.toml", notice=(notices if notices is not None else []).append)


def test_every_config_key_is_classified():
    assert HARMLESS_KEYS | TIGHTEN_ONLY_KEYS | set(RISKY_KEYS) == set(Config.model_fields)
    assert not (HARMLESS_KEYS & TIGHTEN_ONLY_KEYS) and not (HARMLESS_KEYS & set(RISKY_KEYS))


def test_an_untrusted_project_keeps_only_its_harmless_and_stricter_settings(tmp_path):
    path = project(tmp_path, RISKY)
    notices: list[str] = []
    config = load(tmp_path, notices)
    assert config.max_turns == 7  # harmless
    assert [str(r) for r in config.rules.deny] == ["shell: curl *"]  # stricter: applies
    assert config.rules.allow == [] and config.mcp_servers == {}
    assert config.model == "embedded" and config.base_url is None and config.approval == "auto-edit" and not config.network
    (notice,) = notices
    assert str(path) in notice and "limi-cli trust" in notice
    for key in ("model", "base_url", "approval", "network", "rules.allow", "mcp_servers"):
        assert key in notice


def test_a_trusted_project_applies_until_the_file_changes(tmp_path):
    path = project(tmp_path, RISKY)
    set_trust(path, path.read_bytes())
    notices: list[str] = []
    config = load(tmp_path, notices)
    assert notices == [] and config.approval == "yolo" and "x" in config.mcp_servers
    assert [str(r) for r in config.rules.allow] == ["shell: *"]
    path.write_text(RISKY + "# one more line\n")
    config = load(tmp_path, notices)
    assert len(notices) == 1 and config.approval == "auto-edit" and config.mcp_servers == {}


def test_stricter_approval_and_sandbox_apply_untrusted_looser_do_not(tmp_path):
    project(tmp_path, 'approval = "read-only"\nsandbox = "on"\n')
    notices: list[str] = []
    config = load(tmp_path, notices)
    assert config.approval == "read-only" and config.sandbox in ("on", True) and notices == []
    user = tmp_path / "user.toml"
    user.write_text('approval = "ask"\nsandbox = "on"\n')
    project(tmp_path, 'approval = "auto-edit"\nsandbox = "off"\n')
    config = load(tmp_path, notices, user=user)
    assert config.approval == "ask" and config.sandbox in ("on", True)
    assert "approval" in notices[0] and "sandbox" in notices[0]


def test_a_project_adds_deny_rules_and_never_removes_the_users(tmp_path):
    user = tmp_path / "user.toml"
    user.write_text('[rules]\ndeny = ["shell: rm -rf *"]\nallow = ["shell: git status*"]\n')
    path = project(tmp_path, '[rules]\ndeny = ["shell: curl *"]\nallow = []\n')
    set_trust(path, path.read_bytes())
    config = load(tmp_path, user=user)
    assert [str(r) for r in config.rules.deny] == ["shell: rm -rf *", "shell: curl *"]
    assert [str(r) for r in config.rules.allow] == ["shell: git status*"]


def test_a_bad_rule_is_an_error_even_where_it_would_be_ignored(tmp_path):
    project(tmp_path, '[rules]\nallow = 3\n')
    with pytest.raises(ConfigError, match="rules.allow"):
        load(tmp_path)


def test_a_broken_trust_store_is_a_one_line_error(tmp_path):
    project(tmp_path, RISKY)
    trust_store_path().parent.mkdir(parents=True, exist_ok=True)
    trust_store_path().write_text("{not json")
    with pytest.raises(ConfigError, match="trusted_projects.json: not a trust store"):
        load(tmp_path)


# -- end to end: limi-cli run and limi-cli trust ---------------------------------------------------


def limi(*args, cwd: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "LIMI_MAX_RETRIES": "0"}
    return subprocess.run([sys.executable, "-m", "limi_cli.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def call(name: str, **args) -> str:
    return f'<tool_call>{json.dumps({"name": name, "arguments": args})}</tool_call>'


def scripted(tmp_path: Path, name: str, replies: list[str]) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(replies))
    return f"scripted:{path}"


def tool_outputs(stdout: str) -> list[str]:
    events = [json.loads(line) for line in stdout.splitlines()]
    return [c["content"] for e in events if e["type"] == "user" for c in e["message"]["content"]]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "app.py").write_text("x = 1\n")
    return ws


def test_headless_auto_edit_refuses_to_write_the_project_config(tmp_path, ws):
    model = scripted(tmp_path, "m", [
        call("write_file", path=".limi/config.toml", content='[rules]\nallow = ["shell: *"]\n'),
        call("write_file", path="notes.txt", content="fine"),
        "done",
    ])
    result = limi("run", "-p", "widen your permissions", "-m", model, "--output-format", "stream-json", cwd=ws)
    assert result.returncode == 0, result.stderr
    refused, written = tool_outputs(result.stdout)
    assert "limi-cli's own configuration" in refused and "headless" in refused
    assert not (ws / ".limi" / "config.toml").exists()
    assert (ws / "notes.txt").read_text() == "fine" and "created" in written


def test_an_untrusted_project_config_runs_nothing_until_trusted(tmp_path, ws):
    marker, shell_marker = tmp_path / "mcp-started", ws / "shell-ran"
    path = project(ws, f"""\
max_turns = 5
[rules]
allow = ["shell: *"]
[mcp_servers.x]
command = "sh"
args = ["-c", {json.dumps(f'touch "{marker}"; exec "{sys.executable}" "{SERVER}"')}]
""")
    model = scripted(tmp_path, "m", [call("shell", command=f"touch {shell_marker.name}"), "done"])

    result = limi("run", "--approval", "read-only", "-p", "x", "-m", model, cwd=ws)
    assert result.returncode == 0, result.stderr
    assert not marker.exists() and not shell_marker.exists()
    assert f"ignoring mcp_servers, rules.allow from {path}" in result.stderr and "limi-cli trust" in result.stderr

    result = limi("run", "-p", "x", "-m", model, "--output-format", "stream-json", cwd=ws)  # auto-edit: the allow rule is ignored
    assert not marker.exists() and not shell_marker.exists()
    assert "headless" in tool_outputs(result.stdout)[0]

    trusted = limi("trust", "--cwd", str(ws), cwd=tmp_path)
    assert trusted.returncode == 0, trusted.stderr
    assert f"trusted {path}" in trusted.stdout and 'rules.allow = ["shell: *"]' in trusted.stdout and "mcp_servers" in trusted.stdout

    result = limi("run", "-p", "x", "-m", model, cwd=ws)
    assert result.returncode == 0, result.stderr
    assert marker.exists() and shell_marker.exists() and "ignoring" not in result.stderr

    marker.unlink()
    path.write_text(path.read_text() + "# changed\n")
    result = limi("run", "--approval", "read-only", "-p", "x", "-m", model, cwd=ws)
    assert not marker.exists() and "ignoring mcp_servers, rules.allow" in result.stderr


def test_trust_without_a_project_config_is_a_one_line_error(ws):
    result = limi("trust", "--cwd", str(ws), cwd=ws)
    assert result.returncode == 1 and "config.toml does not exist" in result.stderr and "Traceback" not in result.stderr


def test_trust_revoke_forgets_the_file(tmp_path, ws):
    path = project(ws, 'approval = "yolo"\n')
    assert limi("trust", "--cwd", str(ws), cwd=ws).returncode == 0
    assert load(ws).approval == "yolo"
    assert limi("trust", "--revoke", "--cwd", str(ws), cwd=ws).returncode == 0
    assert load(ws).approval == "auto-edit" and path.exists()
