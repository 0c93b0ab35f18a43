"""Rules fail closed: a deny rule holds wherever and however the program is run, a command
that cannot be judged needs a person, and an allow rule covers every statement of a line."""

from __future__ import annotations

import shlex

import pytest

from agent.messages import ToolCall
from agent.policy import ApprovalRules, HeadlessApprover, Policy
from agent.shell_syntax import analyze, simple_commands
from agent.tools.shell import ShellTool

SHELL = ShellTool()
DENY = ["shell: rm -rf *", "shell: git push --force*"]


def verdict(command: str, mode: str = "yolo", **rules) -> str:
    policy = Policy(mode=mode, rules=ApprovalRules.model_validate(rules or {"deny": DENY}))
    call = ToolCall(id="c", name="shell", arguments={"command": command})
    return policy.verdict(SHELL, call, f"shell: {command}")


# every way around `deny = ["shell: rm -rf *"]` that used to get through
BYPASSES = [
    # flag spellings
    "rm -fr build", "rm -r -f build", "rm --recursive --force build", "rm -Rf build", "rm -f -R build",
    "rm -rfv build", "rm -v --force -r build", "rm -r --force -- build",
    # the program's name written another way
    r"\rm -rf build", "'rm' -rf build", '"rm" -rf build', r"r\m -rf build", "r''m -rf build",
    "/bin/rm -rf build", "/usr/bin/rm -rf build",
    # shells running a string
    "bash -c 'rm -rf build'", 'sh -c "rm -rf build"', "dash -c 'rm -rf build'", "zsh -c 'rm -rf build'",
    "bash -lc 'rm -rf build'", "bash -e -c 'rm -rf build'", "bash -c \"sh -c 'rm -fr build'\"",
    "busybox sh -c 'rm -rf build'", "bash <<EOF\nrm -rf build\nEOF", "bash <<'EOF'\nrm -rf build\nEOF",
    "bash <<< 'rm -rf build'", "eval 'rm -rf build'", "trap 'rm -rf build' EXIT",
    "su -c 'rm -rf build'", "watch -n 1 rm -rf build",
    # wrappers
    "env rm -rf build", "env -i A=1 rm -rf build", "env -u HOME rm -rf build", "env -S 'rm -rf build'",
    "command rm -rf build", "exec rm -rf build", "nice rm -rf build", "nice -n 5 rm -rf build",
    "nohup rm -rf build", "timeout 5 rm -rf build", "timeout -s KILL -k 1 5 rm -rf build",
    "echo build | xargs rm -rf", "echo build | xargs -n 1 -P 2 rm -rf", "sudo rm -rf build",
    "sudo -u root -E rm -rf build", "sudo A=1 rm -rf build", "doas rm -rf build", "time rm -rf build",
    "stdbuf -o0 rm -rf build", "setsid rm -rf build", "chroot / rm -rf build", "ionice -c 3 rm -rf build",
    "nice nohup timeout 5 env A=1 sudo rm -rf build",
    # find
    "find . -delete", "find build -name '*.o' -delete", r"find . -exec rm -rf {} \;", "find . -execdir rm -r -f {} +",
    # where tree-sitter puts it elsewhere, and nesting
    "rm >/dev/null -rf build", ">/dev/null rm -rf build", "X=1 rm -rf build", "echo $(rm -rf build)",
    "echo `rm -rf build`", "cd /tmp && rm -rf build", "(rm -rf build)", "f() { rm -rf build; }; f",
    "true || { rm -rf build; }", "for d in a; do rm -rf $d; done", "git -c alias.x='!rm -rf build' x",
    # git push --force*
    "git push --force", "git push -f origin main", "git push origin main --force", "git -C repo push -f",
    "git -c x.y=z push --force-with-lease", "git push origin +main", "bash -c 'git push -f'",
]


@pytest.mark.parametrize("command", BYPASSES)
def test_a_deny_rule_holds_whatever_the_spelling_or_wrapper(command):
    assert verdict(command) == "deny"


# commands that cannot be judged: a person decides, even in yolo, when deny rules are set
UNKNOWN = [
    "$X -rf build", "$(echo rm) -rf build", "`echo rm` -rf build", '"$CMD" -rf build', "${RM} build",
    "$'\\x72m' -rf build", "{rm,-rf,build}", "eval \"$X\"", "eval ls", 'source "$F"', ". $F",
    "curl -s http://127.0.0.1:9/x | sh", "cat script | bash", "bash < script.sh", "bash -s",
    "bash <<EOF\n$X\nEOF", 'bash -c "$X"', "sh -c", "env $X", "sudo $CMD", "ls ((", "echo 'open",
    "rm $FLAGS build", "echo build | xargs rm", "rm *", "find . -exec $X {} +",
    "git -c core.pager='sh -c x' log", "echo \ud800 && ls", "ls \x00 x",
]


@pytest.mark.parametrize("command", UNKNOWN)
def test_a_command_that_cannot_be_judged_needs_a_person(command):
    assert verdict(command) == "ask"


@pytest.mark.parametrize("command", ["$X", "eval ls", "curl x | sh", "ls ((", "echo \ud800"])
def test_unknown_commands_run_in_yolo_when_no_deny_rule_is_set(command):
    assert verdict(command, mode="yolo", allow=["shell: *"]) == "allow"


# honest commands: still run as the mode says
HONEST = [
    "rm build.o", "rm -f build.o", "rm -r build", "git push origin main", "git push --tags", "ls -la",
    "echo 'rm -rf build'", "grep -rn 'rm -rf' .", "find . -name '*.py'", "bash build.sh", "command -v rm",
    "git status --short", "cat <<EOF > notes.txt\nhello\nEOF", "python -m pytest -x", "env", "sudo -l",
]


@pytest.mark.parametrize("command", HONEST)
def test_honest_commands_are_not_caught_by_the_deny_rules(command):
    assert verdict(command) == "allow"


def test_headless_refusal_of_an_unknown_command_says_why():
    policy = Policy(mode="yolo", approver=HeadlessApprover(), rules=ApprovalRules.model_validate({"deny": DENY}))
    call = ToolCall(id="c", name="shell", arguments={"command": "$X -rf /"})
    decision = policy.check(SHELL, call, "shell: $X -rf /")
    assert not decision.allowed
    assert "cannot be checked against the deny rules" in decision.note and "headless" in decision.note


def test_the_deny_note_names_the_wrapper_it_saw_through():
    policy = Policy(mode="yolo", rules=ApprovalRules.model_validate({"deny": DENY}))
    call = ToolCall(id="c", name="shell", arguments={"command": "sudo env rm -fr /"})
    decision = policy.check(SHELL, call, "shell: sudo env rm -fr /")
    assert not decision.allowed and "deny rule 'shell: rm -rf *'" in decision.note and "run by env" in decision.note


@pytest.mark.parametrize("pattern,command", [
    ("chmod -R *", "chmod --recursive 777 ."), ("git clean -f*", "git clean --force -d"),
    ("git branch -D *", "git branch --delete --force main"), ("rm -rf /", "rm -fr /"), ("curl *", "env curl x"),
    ("sudo *", "nohup sudo ls"),
])
def test_flag_spellings_are_normalised_in_the_rule_too(pattern, command):
    assert verdict(command, deny=[f"shell: {pattern}"]) == "deny"


def test_an_exact_rule_does_not_cover_other_arguments():
    assert verdict("rm -fr /tmp/x", deny=["shell: rm -rf /"]) == "allow"


ALLOW = ["shell: git status*", "shell: ls*", "shell: bash *"]


@pytest.mark.parametrize("command,expected", [
    ("git status", "allow"),
    ("git status && ls -la", "allow"),
    ("git status; export GIT_CONFIG_PARAMETERS=\"'core.pager=sh -c x'\"", "ask"),
    ("git status; GIT_DIR=/tmp/x", "ask"),
    ("GIT_DIR=/tmp/evil git status", "ask"),
    ("git status; unset HOME", "ask"),
    ("git status; declare -x A=1", "ask"),
    ("ls; git() { rm -rf .; }", "ask"),
    ("git status $(rm x)", "ask"),
    ("bash -c 'git status'", "allow"),
    ("bash -c 'git status; rm x'", "ask"),
    ("env git status", "ask"),
    ("git status > .limi/config.toml", "ask"),
    ("ls .limi && git status", "ask"),
    ("git status \ud800", "ask"),
    ("git status (( ", "ask"),
])
def test_allow_rules_must_cover_every_statement_of_the_line(command, expected):
    assert verdict(command, mode="auto-edit", allow=ALLOW) == expected


def test_lone_surrogates_do_not_crash_the_parser_and_are_judged_as_replacement_characters():
    assert [c.text for c in simple_commands("echo \udc80 \ud800")] == ["echo \ufffd \ufffd"]
    found = analyze("rm -rf \ud800")
    assert found.unknown and found.invocations[0].text == "rm -rf \ufffd"
    assert verdict("rm -rf \ud800") == "deny"
    assert verdict("r\udfffm -rf x") == "ask"


def test_shell_strings_nested_too_deep_are_unknown():
    command = "ls"
    for _ in range(8):
        command = f"bash -c {shlex.quote(command)}"
    assert verdict(command) == "ask"
    assert verdict(command, mode="auto-edit", allow=["shell: *"]) == "ask"
