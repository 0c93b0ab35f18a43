"""Counting a trajectory's tokens as a model will see it: the row rendered by the shared
tool-prompt renderer (:func:`agent.toolprompt.render_messages`, the same one training
uses), then through a tokenizer's chat template; or a quick ``chars / 4`` estimate."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from agent.model_files import embedded_gguf_path
from agent.toolprompt import render_messages


class TokenCounter(Protocol):
    name: str

    def count(self, row: dict[str, Any]) -> int: ...


class CharEstimate:
    """``len(rendered text) // 4``: no tokenizer needed, roughly right for English and code."""

    name = "estimate (chars/4)"

    def count(self, row: dict[str, Any]) -> int:
        flat = render_messages(row.get("messages", []), row.get("tools", []))
        return sum(len(m["content"]) + len(m["role"]) + 8 for m in flat) // 4


class ChatTemplateCounter:
    """Tokens of the row rendered with a Hugging Face tokenizer's chat template.

    ``source`` is a tokenizer directory, a ``.gguf`` file (its embedded tokenizer and
    template) or None for the shipped SmolLM2 GGUF.
    """

    def __init__(self, source: str | Path | None = None):
        self.tokenizer = _load_tokenizer(str(source) if source else None)
        self.name = f"chat template of {Path(source).name if source else 'SmolLM2-135M-Instruct (embedded)'}"

    def count(self, row: dict[str, Any]) -> int:
        flat = render_messages(row.get("messages", []), row.get("tools", []))
        text = self.tokenizer.apply_chat_template(flat, tokenize=False)
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])


@lru_cache(maxsize=2)
def _load_tokenizer(source: str | None):
    try:
        from transformers import AutoTokenizer
    except ImportError:
        raise RuntimeError('token counts need transformers: pip install -e ".[hf]", or pass --estimate') from None
    if source is None:
        path = embedded_gguf_path()
        return AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    path = Path(source).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise FileNotFoundError(f"tokenizer file {path} does not exist; pass a .gguf file or a tokenizer directory")
        return AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    if not path.is_dir():
        raise FileNotFoundError(f"tokenizer directory {path} does not exist; pass a tokenizer directory or a .gguf file")
    return AutoTokenizer.from_pretrained(str(path))


def make_counter(tokenizer: str | None, estimate: bool) -> TokenCounter:
    return CharEstimate() if estimate else ChatTemplateCounter(tokenizer)
