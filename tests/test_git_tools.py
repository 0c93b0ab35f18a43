"""git tools on real repositories made with the git CLI."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from agent.tools.base import ToolContext, ToolError
from agent.tools.git import GitCommitTool, GitDiffTool, GitLogTool, GitShowTool, GitStatusTool
from agent.tools.workspace import Workspace


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test")
    git(root, "config", "user.email", "test@example.com")
    (root / "a.txt").write_text("one\n")
    git(root, "add", "a.txt")
    git(root, "commit", "-q", "-m", "first commit")
    (root / "a.txt").write_text("one\ntwo\n")
    git(root, "commit", "-q", "-am", "second commit")
    return root


@pytest.fixture
def ctx(repo: Path) -> ToolContext:
    return ToolContext(workspace=Workspace(repo))


def test_status_shows_branch_staged_unstaged_and_untracked(ctx: ToolContext, repo: Path) -> None:
    (repo / "a.txt").write_text("changed\n")
    (repo / "b.txt").write_text("new\n")
    (repo / "c.txt").write_text("staged\n")
    git(repo, "add", "c.txt")
    out = GitStatusTool().run(GitStatusTool.Params(), ctx).output.splitlines()
    assert out[0] == "## main"
    assert set(out[1:]) == {" M a.txt", "?? b.txt", "A  c.txt"}


def test_diff_unstaged_staged_and_against_a_ref(ctx: ToolContext, repo: Path) -> None:
    (repo / "a.txt").write_text("one\ntwo\nthree\n")
    assert "+three" in GitDiffTool().run(GitDiffTool.Params(), ctx).output
    assert GitDiffTool().run(GitDiffTool.Params(staged=True), ctx).output == "no staged changes"
    git(repo, "add", "a.txt")
    assert "+three" in GitDiffTool().run(GitDiffTool.Params(staged=True), ctx).output
    assert GitDiffTool().run(GitDiffTool.Params(), ctx).output == "no unstaged changes"
    against_first = GitDiffTool().run(GitDiffTool.Params(ref="HEAD~1"), ctx).output
    assert "+two" in against_first and "+three" in against_first
    assert "a.txt" in GitDiffTool().run(GitDiffTool.Params(ref="HEAD~1", stat=True), ctx).output


def test_log_lists_commits_newest_first(ctx: ToolContext) -> None:
    lines = GitLogTool().run(GitLogTool.Params(), ctx).output.splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("Test: second commit (HEAD -> main)")
    assert lines[1].endswith("Test: first commit")
    assert len(GitLogTool().run(GitLogTool.Params(max_count=1), ctx).output.splitlines()) == 1


def test_show_a_commit_and_a_file_at_a_ref(ctx: ToolContext) -> None:
    out = GitShowTool().run(GitShowTool.Params(ref="HEAD"), ctx).output
    assert "second commit" in out and "+two" in out
    assert GitShowTool().run(GitShowTool.Params(ref="HEAD~1", path="a.txt"), ctx).output == "one"


def test_a_bad_ref_is_a_clear_error(ctx: ToolContext) -> None:
    with pytest.raises(ToolError, match="unknown revision"):
        GitShowTool().run(GitShowTool.Params(ref="no-such-branch"), ctx)
    with pytest.raises(ToolError, match="bad ref"):
        GitLogTool().run(GitLogTool.Params(ref="--all"), ctx)


def test_commit_stages_paths_and_records_the_commit(ctx: ToolContext, repo: Path) -> None:
    (repo / "new.txt").write_text("hello\n")
    out = GitCommitTool().run(GitCommitTool.Params(message="add new.txt", paths=["new.txt"]), ctx).output
    assert "add new.txt" in out
    assert git(repo, "log", "-1", "--format=%s").strip() == "add new.txt"
    assert git(repo, "status", "--porcelain") == ""


def test_commit_with_nothing_staged_is_an_error(ctx: ToolContext) -> None:
    with pytest.raises(ToolError, match="nothing is staged"):
        GitCommitTool().run(GitCommitTool.Params(message="empty"), ctx)


def test_commit_is_an_exec_tool_so_the_approval_mode_decides() -> None:
    from agent.policy import Policy

    assert GitCommitTool.kind == "exec"
    assert Policy(mode="auto-edit").verdict(GitCommitTool()) != "allow"
    assert Policy(mode="read-only").verdict(GitCommitTool()) == "deny"
    assert Policy(mode="yolo").verdict(GitCommitTool()) == "allow"
    assert all(t.kind == "read" for t in (GitStatusTool, GitDiffTool, GitLogTool, GitShowTool))


def test_outside_a_repository_the_tools_say_so(tmp_path: Path) -> None:
    ctx = ToolContext(workspace=Workspace(tmp_path))
    with pytest.raises(ToolError, match="not in a git repository"):
        GitStatusTool().run(GitStatusTool.Params(), ctx)


def test_paths_outside_the_workspace_are_refused(ctx: ToolContext) -> None:
    from agent.tools.workspace import OutsideWorkspace

    with pytest.raises(OutsideWorkspace):
        GitDiffTool().run(GitDiffTool.Params(paths=["../elsewhere"]), ctx)
