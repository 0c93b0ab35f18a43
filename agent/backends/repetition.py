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
"""

from __future__ import annotations

import re

DEFAULT_BLOCK = 80  # characters: shorter repeats occur in ordinary text (paths, a repeated phrase)
_SLACK = 16  # characters that may match by chance just before a repetition begins
_BOUNDARY = re.compile(r"[.!?:](?=\s)|\n")  # where a sentence or a line ends (just after the match)


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
