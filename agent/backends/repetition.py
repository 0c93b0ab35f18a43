"""Cutting a reply that repeats itself verbatim.

Small models decoding near-greedily fall into loops: a sentence or a paragraph written again and
again until the token limit. A repeat penalty makes it rarer (the llama.cpp backend sets one);
this guard ends it when it happens anyway. It watches the reply's visible text as it streams:
when the last ``block`` characters already occurred earlier in the reply, the model has started
to write something again, word for word. The reply is cut where the repetition began (backed off
to the end of the last sentence or line before it) and generation stops.

The guard holds back the last ``block`` characters it was fed, and hands out whole sentences and
lines where it can, so text it cuts was never shown: what streamed is what the reply keeps. Tool
calls do not go through it (a file's content may repeat itself); the backend feeds it only the
text outside ``<tool_call>`` blocks.

Inside a call, :class:`CallRepetitionGuard` watches each JSON string value on its own, with a
stricter test, since code and data may well repeat themselves: it trips only when the value ends
in a stretch that repeats back-to-back at least ``copies`` times and spans ``copies`` blocks of
``block`` characters (the same 80 characters three times in a row, or a short phrase such as
``\\n\\ndef (*)():`` written over and over). The value is then cut where the repetition began and
the JSON closed, so the call stays a valid call instead of running into the token limit.
"""

from __future__ import annotations

import json
import re

DEFAULT_BLOCK = 80  # characters: shorter repeats occur in ordinary text (paths, a repeated phrase)
_SLACK = 16  # characters that may match by chance just before a repetition begins
_BOUNDARY = re.compile(r"[.!?:](?=\s)|\n")  # where a sentence or a line ends (just after the match)
DEFAULT_COPIES = 3  # inside a call: back-to-back copies that make a repetition (and at least that many blocks)


class RepetitionGuard:
    """Feed it the reply's visible text in pieces; it hands back the text safe to show and
    sets :attr:`tripped` once the reply repeats a block of ``block`` characters (0: never)."""

    def __init__(self, block: int = DEFAULT_BLOCK):
        if block < 0:
            raise ValueError("block must be 0 (off) or a number of characters")
        self.block = block
        self.hold = block  # characters kept back from the stream (0: off, everything passes at once)
        self.text = ""  # everything fed, up to the cut once tripped
        self.sent = 0  # how much of it has been handed back
        self.tripped = False
        self.repeated = ""  # the block found again, once tripped

    def feed(self, piece: str) -> str:
        """Take the next piece of text; return what can be shown now ("" after the trip)."""
        if self.tripped or not piece:
            return ""
        self.text += piece
        if self.block and len(self.text) > self.block:
            tail = self.text[-self.block :]
            earlier = self.text.rfind(tail, 0, len(self.text) - 1)
            if earlier >= 0:
                return self._trip(period=len(self.text) - self.block - earlier)
        limit = len(self.text) - self.hold
        if limit <= self.sent:
            return ""
        # show whole sentences and lines (a cut then never leaves half of one shown), or a long
        # stretch without an end as it comes
        end = _last_boundary(self.text, self.sent, limit) if self.block else None
        if end is None and limit - self.sent < self.hold:
            return ""
        ready = end if end is not None else limit
        out, self.sent = self.text[self.sent : ready], ready
        return out

    def flush(self) -> str:
        """Everything held back (the reply ended, or a tool call starts)."""
        out, self.sent = self.text[self.sent :], len(self.text)
        return out

    def barrier(self) -> str:
        """Flush, and keep what comes next from forming a block with what came before (a
        tool call stands between them)."""
        out = self.flush()
        if self.text and not self.text.endswith("\x00"):
            self.text += "\x00"  # never in model text: no block spans it
            self.sent = len(self.text)
        return out

    def _trip(self, period: int) -> str:
        """The text repeats with ``period``: find where the repetition began, cut there at the
        end of a sentence or line, keep the text up to it."""
        text, tail = self.text, len(self.text) - self.block
        start = tail
        while start - period > 0 and text[start - 1] == text[start - 1 - period]:
            start -= 1
        if _ends_at(text, start):
            cut = start
        elif (near := _first_boundary(text, start, start + _SLACK)) is not None:
            cut = near  # a few characters matched by chance ("t.\n" ending two paragraphs): the copy starts after them
        elif (end := _last_boundary(text, self.sent, start)) is not None:
            cut = end
        elif self.sent and start - self.sent < self.block:
            cut = self.sent  # a short unfinished fragment since the last sentence shown: drop it
        else:
            cut = start
        cut = max(cut, self.sent)  # what was shown stays
        self.tripped, self.repeated = True, text[tail:]
        out = text[self.sent : cut]
        self.text, self.sent = text[:cut], cut
        return out


def _ends_at(text: str, i: int) -> bool:
    """Whether a sentence or line ends just before ``text[i]`` (or ``i`` is the start)."""
    return i == 0 or text[i - 1] == "\n" or (text[i - 1] in ".!?:" and i < len(text) and text[i].isspace())


def _boundaries(text: str, lo: int, hi: int):
    """The ends of the sentences and lines that end in ``text[lo:hi]`` (a sentence end needs
    the whitespace after it, which may lie at ``hi``)."""
    for m in _BOUNDARY.finditer(text, lo, min(len(text), hi + 1)):
        if m.end() <= hi:
            yield m.end()


def _first_boundary(text: str, lo: int, hi: int) -> int | None:
    return next(_boundaries(text, lo, hi), None)


def _last_boundary(text: str, lo: int, hi: int) -> int | None:
    end = None
    for end in _boundaries(text, lo, hi):
        pass
    return end


# -- inside a tool call ---------------------------------------------------------------------

_STRING_STOP = re.compile(r'["\\\n]')  # what ends a run of plain string characters (a raw newline ends a string)
_STRUCTURE = re.compile(r'["{}\[\],:]')  # what matters outside strings
_HIGH_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\Z")
_WORD_END = re.compile(r" |\\[nt]")  # whitespace in a JSON string body (the cut goes after it)


class CallRepetitionGuard:
    """Feed it the text of one tool call (what follows ``<tool_call>``) in pieces; it holds the
    text back and sets :attr:`tripped` once a JSON string value ends in a back-to-back
    repetition: a stretch of period ``p`` that spans at least ``copies * max(p, block)``
    characters (``block`` 0: never).

    :meth:`take` hands out the text held so far; once tripped, :meth:`salvage` hands out the
    text kept (the value cut where the repetition began) and the JSON closed, then the closing
    tag; :attr:`argument` and :attr:`at` say which value was cut, at which character, and
    :attr:`kept` what is left of it.

    ``sent``: how much of the first text fed was handed out already (a prefill): it is never cut.
    The scan follows the reply parser's reading of strings (:class:`agent.toolprompt.StreamingReplyParser`).
    """

    def __init__(self, block: int = DEFAULT_BLOCK, copies: int = DEFAULT_COPIES):
        if block < 0:
            raise ValueError("block must be 0 (off) or a number of characters")
        if copies < 2:
            raise ValueError("copies must be at least 2")
        self.block, self.copies = block, copies
        self.text = ""  # the call's text so far
        self.sent = 0  # how much of it was handed out
        self.tripped = False
        self.argument = ""  # the key of the value cut, once tripped ("" in an array at the top)
        self.at = 0  # the character of the (decoded) value where it was cut
        self.kept = ""  # what is left of that value
        self._stack: list[list] = []  # the open objects and arrays: [kind "{" or "[", the last key in it]
        self._after = ""  # the last structural character outside strings
        self._in_string = self._escape = False
        self._is_key = False  # the open string is an object key
        self._value_start = -1  # where the open value string's characters start in text (-1: not in a value)
        self._key_start = 0

    def feed(self, piece: str, *, sent: bool = False) -> None:
        """Take the next piece of the call (``sent``: it was handed out already)."""
        if self.tripped or not piece:
            return
        start = len(self.text)
        self.text += piece
        if sent:
            self.sent = len(self.text)
        if not self.block:
            return
        self._scan(start)
        if self._value_start >= 0 and len(self.text) - self._value_start >= self.copies * self.block:
            self._check()

    def take(self) -> str:
        """The text not handed out yet."""
        out, self.sent = self.text[self.sent :], len(self.text)
        return out

    def salvage(self) -> str:
        """Once tripped: the rest of the call as kept, closed as JSON, and the closing tag."""
        from agent.toolprompt import CLOSE

        closing = '"' + "".join("}" if kind == "{" else "]" for kind, _ in reversed(self._stack))
        return self.take() + closing + CLOSE

    # -- the JSON scan

    def _scan(self, i: int) -> None:
        text, n = self.text, len(self.text)
        while i < n:
            if self._escape:
                self._escape = False
                i += 1
            elif self._in_string:
                m = _STRING_STOP.search(text, i)
                if m is None:
                    return
                j = m.start()
                if text[j] == "\\":
                    self._escape = True
                else:
                    self._end_string(j)
                i = j + 1
            else:
                m = _STRUCTURE.search(text, i)
                if m is None:
                    return
                j, c = m.start(), text[m.start()]
                if c == '"':
                    self._in_string = True
                    top = self._stack[-1] if self._stack else None
                    self._is_key = top is not None and top[0] == "{" and self._after in "{,"
                    if self._is_key:
                        self._key_start = j + 1
                    else:
                        self._value_start = j + 1
                elif c in "{[":
                    self._stack.append([c, ""])
                elif c in "}]":
                    if self._stack:
                        self._stack.pop()
                self._after = c
                i = j + 1

    def _end_string(self, j: int) -> None:
        self._in_string = False
        if self._is_key and self._stack:
            self._stack[-1][1] = self.text[self._key_start : j]
        self._value_start = -1
        self._after = '"'

    # -- the repetition

    def _check(self) -> None:
        text, block, end, lo = self.text, self.block, len(self.text), self._value_start
        tail = text[end - block :]
        earlier = text.rfind(tail, lo, end - 1)
        if earlier < 0:
            return
        period = end - block - earlier
        # the repetition began at ``start``: text[i] == text[i - period] from there to the end
        start, step = end - block, block
        while step:
            while start - step - period >= lo and text[start - step : start] == text[start - step - period : start - period]:
                start -= step
            step //= 2
        first = start - period  # where the first copy starts
        if end - first < self.copies * max(period, block):
            return
        # a long block written again: keep its first copy; a short phrase over and over: none of it
        cut = start if period >= block else first
        self._trip(max(cut, self.sent, lo), period)

    def _trip(self, cut: int, period: int) -> None:
        lo, text = self._value_start, self.text
        # not inside an escape (\n, \u00e9), nor after half of a surrogate pair
        i = last = lo
        while i <= cut:
            last = i
            if i < cut and text[i] == "\\":
                i += 6 if text[i + 1 : i + 2] == "u" else 2
            else:
                i += 1
        cut = last
        if m := _HIGH_SURROGATE.search(text, lo, cut):
            cut = m.start()
        cut = max(cut, self.sent)
        kept = _decoded(text[lo:cut])
        # the last characters before the repetition may match it by chance ("Then " before "and then
        # again " over and over): a cut inside a word moves on to the end of that word
        if kept and kept[-1].isalnum() and cut < len(text) and text[cut].isalnum():
            m = _WORD_END.search(text, cut, cut + min(period, _SLACK))
            if m is not None:
                cut = m.end()
                kept = _decoded(text[lo:cut])
        if kept and not kept.endswith("\n") and text.startswith("\\n", cut):
            cut, kept = cut + 2, kept + "\n"  # the copy began with the line end of the text before it: end that line
        self.at, self.kept = len(kept), kept
        self.argument = next((key for kind, key in reversed(self._stack) if kind == "{"), "")
        self.text, self.tripped = text[:cut], True


def _decoded(raw: str) -> str:
    """The characters of the JSON string body ``raw`` (as written, if it does not parse)."""
    try:
        return json.loads(f'"{raw}"')
    except ValueError:
        return raw
