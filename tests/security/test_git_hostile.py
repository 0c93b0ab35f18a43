"""A hostile repository's git config runs nothing in limi-cli's own git commands.

Each test builds a real repository whose config, attributes or hooks ask git to run
``touch <marker>`` (the marker lies outside the workspace), first shows with plain ``git``
that the attack is live, then runs limi-cli's real code path (session git state, the git
tools, checkpoints, evaluation workspaces, the ``limi-cli run`` command) and checks that
the marker was not made and that the answer is still right.
"""

from __future__ import annotations

import json
import os
import pty
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from agent.checkpoints import CheckpointStore
from agent.events import ToolResult
from agent.gitinfo import git_state
from agent.safegit import git_command
from agent.session_store import list_sessions
from agent.tools.base import ToolContext, ToolError
from agent.tools.git import GitCommitTool, GitDiffTool, GitLogTool, GitShowTool, GitStatusTool
from agent.tools.shell import ShellTool
from agent.tools.workspace import Workspace
from agent.trajectory import read_log
from evaluation.workspace import workspace_diff


def git(root: Path, *args: str, env: dict | None = None, check: bool = True) -> str:
    """Plain git, as a user would run it (the attacks are live here)."""
    return subprocess.run(["git", *args], cwd=root, check=check, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}).stdout


class Marker:
    """A file outside the workspace that an attack creates when it runs."""

    def __init__(self, tmp_path: Path, name: str):
        self.path = tmp_path / f"pwned-{name}"

    @property
    def cmd(self) -> str:
        return f"touch {shlex.quote(str(self.path))}; :"  # ':' takes the arguments git adds (no stray files)

    def fired(self) -> bool:
        return self.path.exists()

    def reset(self) -> None:
        self.path.unlink(missing_ok=True)

    def assert_live(self) -> None:
        """The control run (plain git) did fire: the attack is real. Then clear it."""
        assert self.fired(), f"the attack did not fire with plain git; the test would prove nothing ({self.path.name})"
        self.reset()


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A repository with one commit (a.txt "one"), its own identity, on branch main."""
    root = tmp_path / "ws"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test")
    git(root, "config", "user.email", "test@example.com")
    (root / "a.txt").write_text("one\n")
    git(root, "add", "a.txt")
    git(root, "commit", "-q", "-m", "first")
    return root


@pytest.fixture
def ctx(ws: Path) -> ToolContext:
    return ToolContext(workspace=Workspace(ws))


def attributes(ws: Path, line: str) -> None:
    """Commit a .gitattributes with ``line`` (committed with plain git before the attack is set)."""
    (ws / ".gitattributes").write_text(line + "\n")
    git(ws, "add", ".gitattributes")
    git(ws, "commit", "-q", "-m", "attributes")


def same_size_edit(ws: Path) -> None:
    """Change a.txt keeping its size: git must re-read it (through the clean filter) to see the change."""
    (ws / "a.txt").write_text("two\n")


# -- core.fsmonitor ---------------------------------------------------------------


def test_fsmonitor_hook_does_not_run(tmp_path, ws, ctx):
    m = Marker(tmp_path, "fsmonitor")
    git(ws, "config", "core.fsmonitor", m.cmd)
    (ws / "a.txt").write_text("one\nmore\n")
    git(ws, "status", "--short")
    m.assert_live()

    assert git_state(ws) == (git(ws, "rev-parse", "HEAD").strip(), True)
    status = GitStatusTool().run(GitStatusTool.Params(), ctx).output
    assert " M a.txt" in status.splitlines()
    assert "+more" in GitDiffTool().run(GitDiffTool.Params(), ctx).output
    out = GitCommitTool().run(GitCommitTool.Params(message="more", all=True), ctx).output
    assert "more" in out and git(ws, "log", "-1", "--format=%s", env={"GIT_CONFIG_PARAMETERS": "'core.fsmonitor=false'"}).strip() == "more"
    assert not m.fired()


# -- diff drivers: textconv and command, diff.external ------------------------------


def test_textconv_from_gitattributes_does_not_run(tmp_path, ws, ctx):
    m = Marker(tmp_path, "textconv")
    attributes(ws, "*.txt diff=evil")
    git(ws, "config", "diff.evil.textconv", f"{m.cmd}; cat")
    (ws / "a.txt").write_text("one\nmore\n")
    git(ws, "diff")
    m.assert_live()
    git(ws, "show", "HEAD~1")
    m.assert_live()

    assert "+more" in GitDiffTool().run(GitDiffTool.Params(), ctx).output
    assert "a.txt" in GitDiffTool().run(GitDiffTool.Params(stat=True), ctx).output
    assert "+one" in GitShowTool().run(GitShowTool.Params(ref="HEAD~1"), ctx).output
    assert GitShowTool().run(GitShowTool.Params(ref="HEAD", path="a.txt"), ctx).output == "one"
    assert "first" in GitLogTool().run(GitLogTool.Params(paths=["a.txt"]), ctx).output
    out = GitCommitTool().run(GitCommitTool.Params(message="more", paths=["a.txt"]), ctx).output
    assert "1 file changed" in out
    assert not m.fired()


def test_diff_driver_command_and_diff_external_do_not_run(tmp_path, ws, ctx):
    driver, external = Marker(tmp_path, "diff-command"), Marker(tmp_path, "diff-external")
    attributes(ws, "a.txt diff=evil")
    git(ws, "config", "diff.evil.command", driver.cmd)
    (ws / "a.txt").write_text("one\nmore\n")
    git(ws, "diff")
    driver.assert_live()
    git(ws, "config", "diff.external", external.cmd)
    (ws / "b.md").write_text("new\n")
    git(ws, "add", "b.md")
    git(ws, "diff", "--cached")
    external.assert_live()

    assert "+more" in GitDiffTool().run(GitDiffTool.Params(), ctx).output
    assert "+new" in GitDiffTool().run(GitDiffTool.Params(staged=True), ctx).output
    assert "+one" in GitShowTool().run(GitShowTool.Params(ref="HEAD~1"), ctx).output
    diff = workspace_diff(ws)
    assert "+more" in diff and "+new" in diff
    assert not driver.fired() and not external.fired()


def test_git_external_diff_and_git_dir_in_the_environment_are_ignored(tmp_path, ws, ctx, monkeypatch):
    m = Marker(tmp_path, "git-external-diff")
    other = tmp_path / "other"
    git(tmp_path, "init", "-q", str(other))
    (ws / "a.txt").write_text("one\nmore\n")
    hostile = {"GIT_EXTERNAL_DIFF": m.cmd, "GIT_DIR": str(other / ".git"), "GIT_WORK_TREE": str(other),
               "GIT_INDEX_FILE": str(tmp_path / "index"), "GIT_CONFIG_PARAMETERS": f"'core.fsmonitor={m.cmd}'"}
    git(ws, "diff", env={"GIT_EXTERNAL_DIFF": m.cmd})
    m.assert_live()
    for key, value in hostile.items():
        monkeypatch.setenv(key, value)

    assert " M a.txt" in GitStatusTool().run(GitStatusTool.Params(), ctx).output.splitlines()
    assert "+more" in GitDiffTool().run(GitDiffTool.Params(), ctx).output
    assert git_state(ws)[1] is True
    assert "+more" in workspace_diff(ws)
    assert not m.fired()


# -- filter drivers: clean, smudge, process ---------------------------------------


@pytest.mark.parametrize("kind", ["clean", "process"])
def test_filter_driver_does_not_run(tmp_path, ws, ctx, kind):
    m = Marker(tmp_path, f"filter-{kind}")
    attributes(ws, "*.txt filter=evil")
    if kind == "clean":
        git(ws, "config", "filter.evil.clean", f"{m.cmd}; cat")
    else:
        git(ws, "config", "filter.evil.process", m.cmd)
    git(ws, "config", "filter.evil.smudge", f"{m.cmd}; cat")
    git(ws, "config", "filter.evil.required", "true")
    same_size_edit(ws)
    git(ws, "status", "--short", check=False)
    m.assert_live()

    assert git_state(ws)[1] is True
    assert " M a.txt" in GitStatusTool().run(GitStatusTool.Params(), ctx).output.splitlines()
    diff = GitDiffTool().run(GitDiffTool.Params(), ctx).output
    assert "-one" in diff and "+two" in diff
    (ws / "new.txt").write_text("fresh\n")
    out = GitCommitTool().run(GitCommitTool.Params(message="two", paths=["a.txt", "new.txt"]), ctx).output
    assert "2 files changed" in out
    assert GitShowTool().run(GitShowTool.Params(ref="HEAD", path="new.txt"), ctx).output == "fresh"
    (ws / "new.txt").write_text("fresh\nagain\n")
    assert "+again" in workspace_diff(ws)
    assert not m.fired()


def test_include_path_pulls_in_no_runnable_config(tmp_path, ws, ctx):
    fs, clean = Marker(tmp_path, "include-fsmonitor"), Marker(tmp_path, "include-clean")
    attributes(ws, "*.txt filter=x=y.z diff=inc")
    (ws / "evil.cfg").write_text(
        f'[core]\n\tfsmonitor = {clean.cmd.replace("pwned-include-clean", "pwned-include-fsmonitor")}\n'
        f'[filter "x=y.z"]\n\tclean = {clean.cmd}; cat\n'
        f'[diff "inc"]\n\ttextconv = {clean.cmd}; cat\n')
    with open(ws / ".git" / "config", "a") as f:
        f.write('[include]\n\tpath = ../evil.cfg\n[includeIf "onbranch:main"]\n\tpath = ../evil.cfg\n')
    same_size_edit(ws)
    git(ws, "status", "--short", check=False)
    fs.assert_live()
    clean.assert_live()

    assert git_state(ws)[1] is True
    assert " M a.txt" in GitStatusTool().run(GitStatusTool.Params(), ctx).output.splitlines()
    assert "+two" in GitDiffTool().run(GitDiffTool.Params(), ctx).output
    assert "+two" in workspace_diff(ws)
    assert not fs.fired() and not clean.fired()


def test_a_submodule_config_runs_nothing(tmp_path, ws, ctx):
    m = Marker(tmp_path, "submodule")
    sub = tmp_path / "sub"
    git(tmp_path, "init", "-q", str(sub))
    (sub / "f.txt").write_text("x\n")
    git(sub, "add", "f.txt")
    git(sub, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "f")
    git(ws, "-c", "protocol.file.allow=always", "submodule", "-q", "add", str(sub), "sub")
    git(ws, "commit", "-q", "-m", "add sub")
    (ws / "sub" / ".gitattributes").write_text("f.txt filter=evil\n")
    git(ws / "sub", "config", "filter.evil.clean", f"{m.cmd}; cat")
    git(ws / "sub", "config", "core.fsmonitor", m.cmd)
    git(ws, "config", "submodule.sub.ignore", "none")
    (ws / "sub" / "f.txt").write_text("y\n")
    git(ws, "status", "--short")
    m.assert_live()

    (ws / "a.txt").write_text("one\nmore\n")
    assert " M a.txt" in GitStatusTool().run(GitStatusTool.Params(), ctx).output.splitlines()
    assert "+more" in GitDiffTool().run(GitDiffTool.Params(), ctx).output
    assert git_state(ws)[1] is True
    assert "1 file changed" in GitCommitTool().run(GitCommitTool.Params(message="more", all=True), ctx).output
    with pytest.raises(ToolError, match="(nothing|no changes) (added )?to commit"):
        GitCommitTool().run(GitCommitTool.Params(message="again", all=True), ctx)
    assert not m.fired()


# -- hooks, signing, pager, lazy fetch ---------------------------------------------


def test_hooks_do_not_run_on_commit(tmp_path, ws, ctx):
    m = Marker(tmp_path, "hook")
    hooks = ws / "hooks"
    hooks.mkdir()
    for name in ("pre-commit", "commit-msg", "post-commit", "prepare-commit-msg", "post-index-change"):
        for where in (hooks, ws / ".git" / "hooks"):
            (where / name).write_text(f"#!/bin/sh\n{m.cmd}\n")
            (where / name).chmod(0o755)
    git(ws, "config", "core.hooksPath", str(hooks))
    (ws / "a.txt").write_text("one\nmore\n")
    git(ws, "commit", "-q", "-am", "plain")
    m.assert_live()
    git(ws, "config", "--unset", "core.hooksPath")
    git(ws, "commit", "-q", "--allow-empty", "-m", "plain again")
    m.assert_live()
    git(ws, "config", "core.hooksPath", str(hooks))

    (ws / "a.txt").write_text("one\nmore\nagain\n")
    out = GitCommitTool().run(GitCommitTool.Params(message="by the agent", paths=["a.txt"]), ctx).output
    assert "by the agent" in out
    assert git(ws, "log", "-1", "--format=%s").strip() == "by the agent"
    assert not m.fired()


def test_signature_check_runs_no_gpg_program(tmp_path, ws, ctx):
    m = Marker(tmp_path, "gpg")
    tree, parent = git(ws, "rev-parse", "HEAD^{tree}").strip(), git(ws, "rev-parse", "HEAD").strip()
    commit = (f"tree {tree}\nparent {parent}\nauthor T <t@t> 0 +0000\ncommitter T <t@t> 0 +0000\n"
              "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEz\n -----END PGP SIGNATURE-----\n\nsigned\n")
    sha = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin"], cwd=ws, input=commit,
                         capture_output=True, text=True, check=True).stdout.strip()
    git(ws, "update-ref", "refs/heads/main", sha)
    git(ws, "config", "log.showSignature", "true")
    program = ws / "gpg.sh"  # gpg.program is run directly, not through a shell
    program.write_text(f"#!/bin/sh\n{m.cmd}\n")
    program.chmod(0o755)
    git(ws, "config", "gpg.program", str(program))
    git(ws, "log", "-1")
    m.assert_live()

    assert GitLogTool().run(GitLogTool.Params(max_count=1), ctx).output.endswith("T: signed (HEAD -> main)")
    assert "signed" in GitShowTool().run(GitShowTool.Params(), ctx).output
    assert not m.fired()


def test_pager_does_not_run_even_on_a_terminal(tmp_path, ws):
    m = Marker(tmp_path, "pager")
    git(ws, "config", "core.pager", f"{m.cmd}; cat")
    git(ws, "config", "pager.log", f"{m.cmd}; cat")

    def on_a_tty(argv, env):
        master, slave = pty.openpty()
        try:
            subprocess.run(argv, cwd=ws, env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, timeout=120)
        finally:
            os.close(slave)
            os.close(master)

    on_a_tty(["git", "log"], os.environ)
    m.assert_live()
    argv, env = git_command(ws, read_only=True)
    on_a_tty([*argv, "log"], env)
    assert not m.fired()


def test_a_partial_clone_does_not_fetch_through_the_repository_remote(tmp_path, ws, ctx):
    m = Marker(tmp_path, "lazy-fetch")
    git(tmp_path, "init", "-q", str(tmp_path / "elsewhere"))
    blob = git(ws, "rev-parse", "HEAD:a.txt").strip()
    (ws / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    for key, value in [("core.repositoryformatversion", "1"), ("extensions.partialClone", "origin"),
                       ("remote.origin.url", str(tmp_path / "elsewhere")), ("remote.origin.promisor", "true"),
                       ("remote.origin.uploadpack", f"{m.cmd}; git-upload-pack"), ("protocol.file.allow", "always")]:
        git(ws, "config", key, value)
    git(ws, "show", "HEAD", check=False)
    m.assert_live()

    with pytest.raises(ToolError, match="git show failed"):
        GitShowTool().run(GitShowTool.Params(ref="HEAD"), ctx)
    assert "first" in GitLogTool().run(GitLogTool.Params(), ctx).output
    assert not m.fired()


# -- the shell tool's saved environment ----------------------------------------------


def test_git_config_exported_in_the_shell_does_not_reach_the_git_tools(tmp_path, ws, ctx):
    fs, clean = Marker(tmp_path, "shell-fsmonitor"), Marker(tmp_path, "shell-clean")
    attributes(ws, "*.txt filter=evil")
    shell = ShellTool()
    exports = (f"export GIT_CONFIG_PARAMETERS={shlex.quote(repr(f'core.fsmonitor={fs.cmd}'))}; "
               f"export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=filter.evil.clean GIT_CONFIG_VALUE_0={shlex.quote(clean.cmd + '; cat')}; "
               f"export GIT_EXTERNAL_DIFF={shlex.quote(fs.cmd)} GIT_PAGER={shlex.quote(fs.cmd)}")
    try:
        assert shell.run(ShellTool.Params(command=exports), ctx).exit_code == 0
        same_size_edit(ws)
        shell.run(ShellTool.Params(command="git status --short"), ctx)  # the saved state is live in the shell
        fs.assert_live()
        clean.assert_live()

        assert " M a.txt" in GitStatusTool().run(GitStatusTool.Params(), ctx).output.splitlines()
        assert "+two" in GitDiffTool().run(GitDiffTool.Params(), ctx).output
        assert "+one" in GitShowTool().run(GitShowTool.Params(ref="HEAD~1"), ctx).output
        assert "committed" not in GitCommitTool().run(GitCommitTool.Params(message="two", all=True), ctx).output
        assert git_state(ws)[1] is False
        assert not fs.fired() and not clean.fired()
    finally:
        shell.close(ctx)


# -- checkpoints -------------------------------------------------------------------


def test_checkpoints_run_no_filter_or_fsmonitor_from_the_environment_or_the_workspace(tmp_path, ws, monkeypatch):
    m = Marker(tmp_path, "checkpoint")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    attributes(ws, "* filter=evil diff=evil")
    git(ws, "config", "filter.evil.clean", f"{m.cmd}; cat")
    git(ws, "config", "filter.evil.smudge", f"{m.cmd}; cat")
    git(ws, "config", "core.fsmonitor", m.cmd)
    leaked = (f"'filter.evil.clean={m.cmd}; cat' 'filter.evil.smudge={m.cmd}; cat' "
              f"'core.fsmonitor={m.cmd}' 'diff.evil.textconv={m.cmd}; cat'")
    (ws / "a.txt").write_text("before\n")
    git(ws, "add", "a.txt", env={"GIT_CONFIG_PARAMETERS": leaked})
    m.assert_live()
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", leaked)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(ws / ".git" / "config"))

    store = CheckpointStore(ws)
    sha = store.snapshot("s1", "before step 1")
    (ws / "a.txt").write_text("after\n")
    (ws / "b.txt").write_text("made later\n")
    backup, written, deleted = store.restore("s1", sha)
    assert (ws / "a.txt").read_text() == "before\n"
    assert "a.txt" in written and deleted == ["b.txt"] and not (ws / "b.txt").exists()
    assert backup != sha
    assert not m.fired()


# -- the command line, end to end --------------------------------------------------


def test_limi_cli_run_read_only_on_a_hostile_repository(tmp_path, ws):
    m = Marker(tmp_path, "cli")
    attributes(ws, "*.txt filter=evil diff=evil")
    for key, value in [("core.fsmonitor", m.cmd), ("filter.evil.clean", f"{m.cmd}; cat"),
                       ("filter.evil.smudge", f"{m.cmd}; cat"), ("diff.evil.textconv", f"{m.cmd}; cat"),
                       ("diff.external", m.cmd), ("core.pager", m.cmd), ("core.hooksPath", str(ws))]:
        git(ws, "config", key, value)
    same_size_edit(ws)
    git(ws, "diff")
    m.assert_live()

    def call(name, **args):
        return f'<tool_call>{json.dumps({"name": name, "arguments": args})}</tool_call>'

    replies = [call("git_status"), call("git_diff"), call("git_show", ref="HEAD~1"), call("git_log"),
               "a.txt now says two."]
    (tmp_path / "replies.json").write_text(json.dumps(replies))
    env = {**os.environ, "LIMI_MAX_RETRIES": "0", "GIT_CONFIG_PARAMETERS": f"'core.fsmonitor={m.cmd}'"}
    result = subprocess.run([sys.executable, "-m", "limi_cli.cli", "run", "-p", "what changed?", "-m",
                             f"scripted:{tmp_path / 'replies.json'}", "--approval", "read-only"],
                            cwd=ws, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "a.txt now says two.\n"
    (summary,) = list_sessions(ws / ".limi" / "sessions")
    log = read_log(summary.path)
    results = [e for e in log.events if isinstance(e, ToolResult)]
    assert [r.name for r in results] == ["git_status", "git_diff", "git_show", "git_log"]
    assert not any(r.is_error for r in results), results
    assert " M a.txt" in results[0].output and "+two" in results[1].output and "+one" in results[2].output
    assert log.started.git_head == git(ws, "rev-parse", "HEAD").strip() and log.started.git_dirty is True
    assert not m.fired()
