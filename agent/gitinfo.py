"""What the log records about the workspace's git state (HEAD and whether it is dirty).

Read through :mod:`agent.safegit`: the workspace's git config and hooks run nothing."""

from __future__ import annotations

from pathlib import Path

from agent.safegit import GitError, run_git


def git_state(path: Path) -> tuple[str | None, bool | None]:
    """Return (HEAD commit, dirty) of the repository holding ``path``, or (None, None) outside one.
    Dirty means changed, staged or untracked files (not ignored ones)."""
    try:
        out = run_git(["status", "--porcelain=v2", "--branch", "--untracked-files=normal", "--ignore-submodules=dirty"],
                      path, read_only=True, timeout=30)
    except GitError:
        return None, None
    head: str | None = None
    dirty = False
    for line in out.splitlines():
        if line.startswith("# branch.oid "):
            oid = line.removeprefix("# branch.oid ").strip()
            head = oid if oid != "(initial)" else None
        elif line and not line.startswith("#"):
            dirty = True
    return head, dirty
