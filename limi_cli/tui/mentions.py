"""``@path`` mentions: fuzzy completion over the workspace's files, and the files' content
attached to the message the model gets. Shared by the Textual app and line mode."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

MENTION = re.compile(r"(?<![\w@])@([\w./\-]+)")
MAX_FILES = 20_000
MAX_ATTACH_CHARS = 60_000


def workspace_files(root: Path) -> list[str]:
    """Files of the workspace (relative, posix), skipping what .gitignore ignores."""
    from agent.tools.search import walk_files
    from agent.tools.workspace import Workspace

    ws = Workspace(root)
    files = []
    for entry in walk_files(ws, ws.root):
        files.append(entry.path.relative_to(ws.root).as_posix())
        if len(files) >= MAX_FILES:
            break
    return files


def fuzzy_score(query: str, candidate: str) -> int | None:
    """A score for ``query`` as a subsequence of ``candidate`` (higher is better), ``None`` if it is not one.

    Consecutive letters, matches at the start of a path part and in the file name score more.
    """
    if not query:
        return 0
    q, c = query.lower(), candidate.lower()
    name_start = c.rfind("/") + 1
    score, pos, prev = 0, 0, -2
    for ch in q:
        found = c.find(ch, pos)
        if found < 0:
            return None
        score += 1
        if found == prev + 1:
            score += 3
        if found == 0 or c[found - 1] in "/._-":
            score += 2
        if found >= name_start:
            score += 1
        prev, pos = found, found + 1
    return score * 10 - len(candidate) // 10


def fuzzy_matches(query: str, candidates: list[str], limit: int = 12) -> list[str]:
    """The best ``limit`` candidates for ``query``, best first."""
    scored = [(s, c) for c in candidates if (s := fuzzy_score(query, c)) is not None]
    scored.sort(key=lambda pair: (-pair[0], len(pair[1]), pair[1]))
    return [c for _, c in scored[:limit]]


@dataclass(frozen=True)
class Attachment:
    path: str
    lines: int
    cut: bool


def attach_mentions(text: str, root: Path) -> tuple[str, list[Attachment]]:
    """``text`` with the content of each mentioned workspace file appended, and what was attached.

    Mentions that are not files in the workspace stay plain text.
    """
    from agent.tools.workspace import OutsideWorkspace, Workspace

    ws = Workspace(root)
    blocks, attached, seen = [], [], set()
    for match in MENTION.finditer(text):
        rel = match.group(1).rstrip(".")
        if rel in seen:
            continue
        try:
            path = ws.resolve(rel)
        except OutsideWorkspace:
            continue
        if not path.is_file():
            continue
        seen.add(rel)
        content = path.read_text(encoding="utf-8", errors="replace")
        cut = len(content) > MAX_ATTACH_CHARS
        content = content[:MAX_ATTACH_CHARS] + ("\n[... cut]" if cut else "")
        blocks.append(f'<file path="{rel}">\n{content}\n</file>')
        attached.append(Attachment(rel, content.count("\n") + 1, cut))
    if not blocks:
        return text, []
    return text + "\n\n" + "\n\n".join(blocks), attached


def mention_at(text: str, cursor: int) -> tuple[int, str] | None:
    """The ``@word`` that ends at ``cursor``: (offset of the ``@``, the word), or ``None``."""
    start = cursor
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    word = text[start:cursor]
    if word.startswith("@") and "@" not in word[1:]:
        return start, word[1:]
    return None
