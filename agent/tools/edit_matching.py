"""Where an edit's ``old_string`` is in a file, when the model did not copy it exactly.

Strategies, tried in order; the first that finds the text wins, and a fuzzy strategy
applies only when it finds exactly one place:

1. ``exact``: the text as given (with CRLF line ends adapted to the file's).
2. ``indentation-relative``: whole lines that match once a common indentation is
   removed from both sides (the model re-indented the block); ``new_string`` is
   re-indented the same way.
3. ``whitespace-normalised``: whole lines that match once every run of whitespace is
   collapsed (spaces vs tabs, trailing blanks, doubled spaces); ``new_string`` is
   re-indented as in 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

from agent.tools.base import ToolError

STRATEGY_NOTES = {
    "indentation-relative": "old_string matched with indentation-relative matching (its indentation differed "
    "from the file's; new_string was re-indented to match)",
    "whitespace-normalised": "old_string matched with whitespace-normalised matching (it differed from the file "
    "in whitespace only; new_string was re-indented to match)",
}


@dataclass
class Replacement:
    """The file's new text after one edit, how the match was found, and how many places changed."""

    text: str
    strategy: str
    count: int


def apply_edit(text: str, old: str, new: str, *, replace_all: bool, rel: str) -> Replacement:
    """Replace ``old`` by ``new`` in ``text``; raise :class:`ToolError` when it is absent or ambiguous."""
    if old == new:
        raise ToolError("old_string and new_string are the same; nothing would change")
    if not old:
        raise ToolError("old_string is empty; give the exact text to replace (or use write_file for the whole file)")
    exact_old, exact_new = old, new
    count = text.count(old)
    if count == 0 and "\r\n" in text and "\n" in old and "\r\n" not in old:
        exact_old, exact_new = old.replace("\n", "\r\n"), new.replace("\n", "\r\n")  # the file has CRLF line ends
        count = text.count(exact_old)
    if count > 1 and not replace_all:
        raise ToolError(
            f"ambiguous: {count} matches in {rel}; add surrounding lines to make old_string unique or set replace_all"
        )
    if count:
        return Replacement(text.replace(exact_old, exact_new), "exact", count)
    for strategy, key in (("indentation-relative", _dedented), ("whitespace-normalised", _collapsed)):
        spans = _line_matches(text, old, key)
        if len(spans) > 1:
            raise ToolError(
                f"old_string was not found exactly in {rel}, and {strategy} matching found {len(spans)} places; "
                "copy the exact text from the file, with more surrounding lines"
            )
        if spans:
            return Replacement(_replace_lines(text, old, new, spans[0]), strategy, 1)
    raise ToolError(f"old_string was not found in {rel}; read the file and copy the exact text, including whitespace"
                    + closest_lines(text, old))


CLOSEST_MAX_LINES = 2000  # a longer file gets no "closest lines" hint
CLOSEST_MIN_RATIO = 0.6


def closest_lines(text: str, old: str) -> str:
    """"; the closest lines in the file (N-M) are:" and those lines, or "" when none is close.

    The window of the file's lines, as many as ``old`` has, most like ``old`` by difflib's
    ratio (at least 0.6), so the model can copy the text that is really there.
    """
    lines = text.splitlines()
    want = old.strip("\n")
    size = max(1, len(want.splitlines()))
    if not lines or len(lines) > CLOSEST_MAX_LINES or not want.strip():
        return ""
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(want)
    best, where = 0.0, 0
    for i in range(max(1, len(lines) - size + 1)):
        matcher.set_seq1("\n".join(lines[i:i + size]))
        if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best and (ratio := matcher.ratio()) > best:
            best, where = ratio, i
    if best < CLOSEST_MIN_RATIO:
        return ""
    shown = lines[where:where + size]
    return f"; the closest lines in the file ({where + 1}-{where + len(shown)}) are:\n" + "\n".join(shown)


# -- line-based fuzzy matching ------------------------------------------------------


@dataclass
class _Span:
    first: int  # index of the first matching line
    count: int  # how many lines
    indent: str  # the indentation of the file's lines there (their common prefix)


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _common_indent(lines: list[str]) -> str:
    indents = [_indent(line) for line in lines if line.strip()]
    if not indents:
        return ""
    prefix = indents[0]
    for ind in indents[1:]:
        while not ind.startswith(prefix):
            prefix = prefix[:-1]
    return prefix


def _dedented(lines: list[str]) -> list[str]:
    cut = len(_common_indent(lines))
    return [line[cut:].rstrip() if line.strip() else "" for line in lines]


def _collapsed(lines: list[str]) -> list[str]:
    return [" ".join(line.split()) for line in lines]


def _old_lines(old: str) -> list[str]:
    body = old[:-1] if old.endswith("\n") else old
    lines = [line.rstrip("\r") for line in body.split("\n")]
    while lines and not lines[0].strip():  # leading and trailing blank lines carry no position
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _line_matches(text: str, old: str, key: Callable[[list[str]], list[str]]) -> list[_Span]:
    want = _old_lines(old)
    if not want:
        return []
    file_lines = [line.rstrip("\r\n") for line in text.splitlines(keepends=True)]
    target, n = key(want), len(want)
    spans = []
    for i in range(len(file_lines) - n + 1):
        window = file_lines[i : i + n]
        if window[0].strip() and key(window) == target:
            spans.append(_Span(i, n, _common_indent(window)))
    return spans


def _replace_lines(text: str, old: str, new: str, span: _Span) -> str:
    lines = text.splitlines(keepends=True)
    window = lines[span.first : span.first + span.count]
    last = window[-1]
    ending = last[len(last.rstrip("\r\n")) :]
    eol = "\r\n" if "\r\n" in text else "\n"
    new_body = new[:-1] if new.endswith("\n") else new
    new_lines = new_body.split("\n") if new_body else []
    cut = len(_common_indent(_old_lines(old)))
    new_cut = min(cut, len(_common_indent(new_lines)))
    moved = [span.indent + line[new_cut:] if line.strip() else "" for line in new_lines]
    replacement = eol.join(moved) + ending if moved else ""
    start = sum(len(line) for line in lines[: span.first])
    end = start + sum(len(line) for line in window)
    return text[:start] + replacement + text[end:]
