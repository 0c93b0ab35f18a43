"""Approval rules from the config: allow / ask / deny per tool, shell commands judged on a real parse."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import ConfigError, load_config, set_trust
from agent.messages import ToolCall
from agent.policy import ApprovalRules, Decision, Policy
from agent.shell_syntax import ShellParseError, simple_commands
from agent.tools.files import ReadFileTool, WriteFileTool
from agent.tools.shell import ShellTool

SHELL = ShellTool()


def rules(**kw) -> ApprovalRules:
    return ApprovalRules.model_validate(kw)


def shell_verdict(policy: Policy, command: str) -> str:
    call = ToolCall(id="c", name="shell", arguments={"command": command})
    return policy.verdict(SHELL, call, f"shell: {command}")


def never_asked(*a):
    raise AssertionError("the approver should not be asked")


def test_allow_rule_runs_a_matching_command_without_asking():
    policy = Policy(mode="auto-edit", approver=never_asked, rules=rules(allow=["shell: git status*"]))
    call = ToolCall(id="c", name="shell", arguments={"command": "git status --short"})
    assert policy.check(SHELL, call, "shell: git status --short").allowed


def test_allow_rule_for_one_command_does_not_allow_a_chained_one():
    policy = Policy(mode="auto-edit", rules=rules(allow=["shell: git status*"]))
    assert shell_verdict(policy, "git status && rm x") == "ask"


def test_allow_rules_that_cover_every_command_in_a_pipeline_allow_it():
    policy = Policy(mode="auto-edit", rules=rules(allow=["shell: git log*", "shell: head*"]))
    assert shell_verdict(policy, "git log --oneline | head -5") == "allow"


def test_command_substitution_inside_an_allowed_command_is_judged_too():
    policy = Policy(mode="auto-edit", rules=rules(allow=["shell: echo *"]))
    assert shell_verdict(policy, "echo $(rm -rf build)") == "ask"


def test_output_redirect_to_a_file_is_not_allowed_by_a_rule_alone():
    policy = Policy(mode="auto-edit", rules=rules(allow=["shell: git status*"]))
    assert shell_verdict(policy, "git status > notes.txt") == "ask"
    assert shell_verdict(policy, "git status 2>&1 >/dev/null") == "allow"


def test_deny_rule_refuses_even_in_yolo_and_names_the_rule():
    policy = Policy(mode="yolo", rules=rules(deny=["shell: rm -rf *"]))
    call = ToolCall(id="c", name="shell", arguments={"command": "cd src && rm -rf /"})
    decision = policy.check(SHELL, call, "shell: cd src && rm -rf /")
    assert not decision.allowed
    assert "deny rule 'shell: rm -rf *'" in decision.note


def test_deny_rule_sees_through_variable_assignments():
    policy = Policy(mode="yolo", rules=rules(deny=["shell: rm -rf *"]))
    assert shell_verdict(policy, "X=1 rm -rf build") == "deny"


def test_ask_rule_asks_in_yolo_mode():
    asked: list[str] = []

    def approver(tool, call, summary, mode):
        asked.append(summary)
        return Decision(True)

    policy = Policy(mode="yolo", approver=approver, rules=rules(ask=["shell: git push*"]))
    call = ToolCall(id="c", name="shell", arguments={"command": "git push origin main"})
    assert policy.check(SHELL, call, "shell: git push origin main").allowed
    assert asked == ["shell: git push origin main"]


def test_allow_rule_does_not_lift_a_refusal_of_read_only_mode():
    policy = Policy(mode="read-only", rules=rules(allow=["shell: ls*"]))
    assert shell_verdict(policy, "ls") == "deny"


def test_unparseable_command_falls_back_to_the_mode():
    policy = Policy(mode="auto-edit", rules=rules(allow=["shell: *"]))
    assert shell_verdict(policy, "ls ((") == "ask"


def test_rules_for_other_tools_match_their_path_argument():
    policy = Policy(mode="auto-edit", rules=rules(deny=["write_file: *.lock"]))
    locked = ToolCall(id="c", name="write_file", arguments={"path": "poetry.lock", "content": "x"})
    fine = ToolCall(id="d", name="write_file", arguments={"path": "app.py", "content": "x"})
    assert policy.verdict(WriteFileTool(), locked) == "deny"
    assert policy.verdict(WriteFileTool(), fine) == "allow"


def test_rule_without_a_pattern_covers_every_call_of_the_tool():
    policy = Policy(mode="auto-edit", rules=rules(deny=["read_file"]))
    call = ToolCall(id="c", name="read_file", arguments={"path": "a.txt"})
    assert policy.verdict(ReadFileTool(), call) == "deny"


def test_simple_commands_lists_every_command_in_order():
    found = [c.text for c in simple_commands("FOO=1 a x && b | c; if d; then e; fi")]
    assert found == ["FOO=1 a x", "b", "c", "d", "e"]


def test_simple_commands_refuses_broken_syntax():
    with pytest.raises(ShellParseError, match="syntax error"):
        simple_commands("echo 'unterminated")


def test_rules_load_from_config_toml_as_lists_and_tables(tmp_path: Path):
    (tmp_path / ".limi").mkdir()
    project = tmp_path / ".limi" / "config.toml"
    project.write_text(
        '[rules]\nallow = ["shell: git status*"]\n[rules.deny]\nshell = ["rm -rf *", "git push --force*"]\n'
    )
    store = tmp_path / "trusted.json"
    set_trust(project, project.read_bytes(), store)  # a project's allow rules apply once the user trusts it
    config = load_config(tmp_path, environ={}, user_path=tmp_path / "none.toml", trust_path=store)
    assert [str(r) for r in config.rules.allow] == ["shell: git status*"]
    assert [str(r) for r in config.rules.deny] == ["shell: rm -rf *", "shell: git push --force*"]


def test_bad_rules_value_names_the_key(tmp_path: Path):
    (tmp_path / ".limi").mkdir()
    (tmp_path / ".limi" / "config.toml").write_text('[rules]\nallow = 3\n')
    with pytest.raises(ConfigError, match="rules.allow"):
        load_config(tmp_path, environ={}, user_path=tmp_path / "none.toml")
