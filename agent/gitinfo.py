"""What the log records about the workspace's git state (HEAD and whether it is dirty)."""

from __future__ import annotations

from pathlib import Path


def git_state(path: Path) -> tuple[str | None, bool | None]:
    """Return (HEAD commit, dirty) of the repository holding ``path``, or (None, None) outside one."""
    try:
        import git  # GitPython; imported here, not at start-up
    except ImportError:  # pragma: no cover - a dependency
        return None, None
    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None, None
    try:
        head = repo.head.commit.hexsha if repo.head.is_valid() else None
        dirty = repo.is_dirty(untracked_files=True)
    except (git.GitCommandError, ValueError):
        return None, None
    finally:
        repo.close()
    return head, dirty
