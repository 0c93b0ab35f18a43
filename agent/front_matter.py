"""YAML front matter of the Markdown files people write for limi-cli (custom commands,
skills): a ``---`` line, YAML, a ``---`` line, then the body.

Parsed with PyYAML's safe loader (no tags, no objects); a problem is a :class:`FrontMatterError`
that names the line of the file it is on, so the caller can say ``file:line: what to fix``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class FrontMatterError(ValueError):
    """Front matter that cannot be read; ``line`` is the 1-based line of the file."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


@dataclass(frozen=True)
class Document:
    meta: dict[str, Any]  # the front matter ({} when there is none)
    body: str  # the text after it
    body_line: int  # the line of the file the body starts on (1-based)


def parse_document(text: str) -> Document:
    """Split ``text`` into its front matter and body (line endings normalised to ``\\n``)."""
    import yaml

    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return Document({}, text, 1)
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        raise FrontMatterError(1, "the front matter opened by '---' on line 1 is never closed; end it with a '---' line")
    try:
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as e:
        meta = _flat(lines[1:end])  # `argument-hint: [file] [focus]`, as Claude Code's files write it
        if meta is None:
            mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
            line = mark.line + 2 if mark is not None else 2
            why = getattr(e, "problem", None) or str(e).splitlines()[0]
            raise FrontMatterError(line, f"the front matter is not valid YAML ({why}); fix it") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise FrontMatterError(2, "the front matter must be 'key: value' lines (a YAML mapping)")
    return Document({str(k): v for k, v in meta.items()}, "\n".join(lines[end + 1:]), end + 2)


_FLAT_LINE = re.compile(r"^(?P<key>[A-Za-z][\w-]*):(?:\s+(?P<value>.*?))?\s*$")


def _flat(lines: list[str]) -> dict[str, Any] | None:
    """Front matter that is not YAML but only ``key: value`` lines (``argument-hint: [a] [b]``
    is not valid YAML, yet Claude Code's commands are written so): each value as its text.
    None when a line is anything else (indented, no key): then it is a real mistake."""
    meta: dict[str, Any] = {}
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _FLAT_LINE.match(line)
        if m is None:
            return None
        value = (m.group("value") or "").strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        meta[m.group("key")] = value
    return meta


def text_field(meta: dict[str, Any], key: str, line: int = 2) -> str | None:
    """``meta[key]`` as one line of text (None when absent); a number is taken as text, a
    list or mapping is a :class:`FrontMatterError`."""
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise FrontMatterError(line, f"'{key}' must be text, not a YAML {'list' if isinstance(value, list) else 'mapping'}")
    return " ".join(str(value).split())
