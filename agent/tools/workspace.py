"""Workspace confinement: every path a file tool touches must resolve inside the root."""

from __future__ import annotations

import os
from pathlib import Path


class OutsideWorkspace(Exception):
    """A path that leads out of the workspace (``..``, an absolute path elsewhere, a symlink out)."""


class Workspace:
    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root).resolve()

    def resolve(self, path: str | os.PathLike[str]) -> Path:
        """Resolve ``path`` (relative to the root, or absolute) and refuse anything outside.

        Symlinks are followed before the check, so a link that points out is refused too.
        This check is by name: the file tools then open the path by descriptor from the root
        (:mod:`agent.tools.safe_open`), so a link swapped in after it cannot lead out either.
        """
        raw = Path(os.path.expanduser(str(path)))
        candidate = raw if raw.is_absolute() else self.root / raw
        resolved = candidate.resolve()
        if resolved != self.root and self.root not in resolved.parents:
            raise OutsideWorkspace(
                f"path {str(path)!r} is outside the workspace {self.root}; use a path inside it"
            )
        return resolved

    def relative(self, path: Path) -> str:
        """The path as shown to the model: relative to the root, '.' for the root itself."""
        try:
            rel = path.resolve().relative_to(self.root)
        except ValueError:
            return str(path)
        return str(rel) if str(rel) != "." else "."
