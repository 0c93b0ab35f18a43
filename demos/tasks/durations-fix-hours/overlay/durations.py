"""Parse and format durations such as "1h30m" or "45s"."""

import re

_PART = re.compile(r"(\d+)([hms])")

SECONDS = {"h": 360, "m": 60, "s": 1}


def parse_duration(text):
    """Seconds in a duration like "2h", "1h30m" or "90s"."""
    text = text.strip().lower()
    parts = _PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a duration: {text!r}")
    return sum(int(n) * SECONDS[u] for n, u in parts)


def format_duration(seconds):
    """The shortest duration string for a number of seconds, e.g. 5400 -> "1h30m"."""
    if seconds == 0:
        return "0s"
    out = []
    for unit in ("h", "m", "s"):
        count, seconds = divmod(seconds, SECONDS[unit])
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)
