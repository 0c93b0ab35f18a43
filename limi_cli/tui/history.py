"""What the user typed before, per project: ``<workspace>/.limi/history``, one JSON string a line.

Shared by the Textual app and line mode. Up/down walk back and forth through the entries;
the text being written when the walk started is kept and comes back at the end.
"""

from __future__ import annotations

import json
from pathlib import Path

MAX_ENTRIES = 1000


def history_path(workspace: Path) -> Path:
    return workspace / ".limi" / "history"


class PromptHistory:
    """Entries oldest first, a cursor for up/down, and appends that reach the file at once."""

    def __init__(self, path: Path | None):
        self.path = path
        self.entries: list[str] = self._load()
        self._index = len(self.entries)  # == len(entries): at the draft
        self._draft = ""

    def _load(self) -> list[str]:
        if self.path is None or not self.path.is_file():
            return []
        entries = []
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, str) and value:
                entries.append(value)
        return entries[-MAX_ENTRIES:]

    def add(self, text: str) -> None:
        """Remember ``text`` (not twice in a row) and reset the walk to the draft."""
        text = text.strip()
        if text and (not self.entries or self.entries[-1] != text):
            self.entries.append(text)
            if self.path is not None:
                try:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    with self.path.open("a", encoding="utf-8") as f:
                        f.write(json.dumps(text, ensure_ascii=False) + "\n")
                except OSError:
                    pass  # history is a convenience: never fail a message over it
        self._index, self._draft = len(self.entries), ""

    def previous(self, current: str) -> str | None:
        """The entry before the one shown (``None`` at the oldest); ``current`` is kept as the draft."""
        if self._index == 0:
            return None
        if self._index == len(self.entries):
            self._draft = current
        self._index -= 1
        return self.entries[self._index]

    def next(self) -> str | None:
        """The entry after the one shown, the draft after the newest, ``None`` when already at the draft."""
        if self._index >= len(self.entries):
            return None
        self._index += 1
        return self.entries[self._index] if self._index < len(self.entries) else self._draft
