"""The workspace's ``.limi/`` folder: what limi-cli keeps there stays out of the user's git.

limi-cli writes session logs, prompt history and MCP server logs under ``.limi/``; a
``.limi/.gitignore`` keeps them (and itself) out of ``git status``, while ``config.toml`` and
the ``commands/``, ``skills/`` and ``agents/`` folders stay committable, as the user may want
to share them with the project.
"""

from __future__ import annotations

from pathlib import Path

GITIGNORE = """\
# Written by limi-cli: its logs, history and caches stay out of git. config.toml and the
# commands/, skills/ and agents/ folders are yours to commit.
*
!config.toml
!commands/
!commands/**
!skills/
!skills/**
!agents/
!agents/**
"""


def ensure_gitignore(workspace: Path) -> None:
    """Write ``.limi/.gitignore`` once (a user's own is never replaced); errors are not fatal."""
    path = Path(workspace) / ".limi" / ".gitignore"
    if path.exists() or path.is_symlink():
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as f:
            f.write(GITIGNORE)
    except OSError:
        pass  # a read-only workspace: nothing to keep out of git that we could write anyway
