"""Prompt texts: system prompts and tool descriptions. Code loads them; it does not embed them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def load(name: str) -> str:
    """Load ``prompts/<name>`` (e.g. ``system.md``), stripped of trailing whitespace."""
    path = PROMPTS_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"prompt text {name!r} is missing from {PROMPTS_DIR}")
    return path.read_text(encoding="utf-8").strip()


def load_tool_description(tool_name: str) -> str:
    return load(f"tools/{tool_name}.md")
