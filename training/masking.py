"""Tokenising LIMI rows with a model's chat template and masking everything but the assistant's turns.

The method is template-agnostic: the conversation is rendered prefix by prefix with the
model's own template, and each assistant message contributes exactly the text it adds
after the generation prompt (``render(messages[:i], add_generation_prompt=True)``) up to
the end of its turn (``render(messages[:i+1])``). Each segment is tokenised on its own, so
token boundaries fall where they fall at inference (prompt tokenised, reply generated).

- Labelled: the assistant's text, reasoning, tool calls and its end-of-turn token.
- Masked (-100): system, user and tool-result tokens, the generation prompt, and assistant
  messages marked not-to-train (``"train": false`` or ``"weight": 0``).
- Templates whose turn ends with the *next* role marker (GLM-4.5: ``<|observation|>``,
  ``<|user|>``) have no end-of-turn token inside the reply: the special token that opens
  what follows is labelled too, so the model learns to stop.
- Templates that re-render history differently once the conversation goes on (dropping
  earlier reasoning, Qwen3/GLM after a new user message) break the prefix property; the
  row is then split into several samples, each rendered as inference would see it.
- Templates without tool support get the conversation flattened by
  :func:`agent.toolprompt.render_messages`, the renderer the agent itself uses at inference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from agent.toolprompt import ToolPromptStyle, render_assistant, render_messages

IGNORE = -100
ToolProtocol = Literal["auto", "native", "text"]
TooLong = Literal["drop", "cut"]


class MaskingError(Exception):
    """The chat template cannot be used for masked training (one line, names the problem)."""


@dataclass
class MaskedSample:
    """Token ids and labels (``-100`` where no loss is taken) of one training sequence.

    ``turn_ends`` are token counts after each assistant turn (its stop token included):
    the places where a long sample may be cut without splitting a turn.
    """

    input_ids: list[int]
    labels: list[int]
    where: str = ""
    turn_ends: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.input_ids)

    @property
    def trained_tokens(self) -> int:
        return sum(label != IGNORE for label in self.labels)


def supports_tools(template: str) -> bool:
    """Whether a chat template renders ``tools`` and ``tool_calls`` itself."""
    return "tools" in template and "tool_calls" in template


class ChatRenderer:
    """Renders LIMI messages with one tokenizer's chat template, natively or via the text tool protocol."""

    def __init__(
        self,
        tokenizer: Any,
        tool_protocol: ToolProtocol = "auto",
        chat_template: str | None = None,
        tool_prompt: ToolPromptStyle = "full",
    ):
        self.tokenizer = tokenizer
        self.tool_prompt = tool_prompt
        self.template = chat_template or getattr(tokenizer, "chat_template", None)
        if not isinstance(self.template, str) or not self.template:
            raise MaskingError("the tokenizer has no chat template; use a model that ships one (tokenizer_config.json)")
        native = supports_tools(self.template)
        if tool_protocol == "native" and not native:
            raise MaskingError("the chat template does not render tools; use --tool-protocol text or auto")
        self.native = native if tool_protocol == "auto" else tool_protocol == "native"
        self.inline_reasoning = "reasoning_content" not in self.template
        self.special_ids = _special_ids(tokenizer)

    def prepare(self, row: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None, list[bool]]:
        """The messages to render, the tools for the template (None: not passed) and, per message, whether to train on it."""
        messages, tools = row["messages"], row.get("tools") or []
        if not self.native:
            flat = render_messages(messages, tools, self.tool_prompt)
            wanted = iter(_trained(m) for m in messages if m["role"] == "assistant")
            return flat, None, [next(wanted) if m["role"] == "assistant" else False for m in flat]
        out = []
        for m in messages:
            m = {k: v for k, v in m.items() if k not in ("train", "weight")}
            if m["role"] == "assistant":
                if m.get("content") is None:
                    m["content"] = ""
                if self.inline_reasoning and m.get("reasoning_content"):
                    m["content"] = render_assistant(m["content"], [], m.pop("reasoning_content"))
            out.append(m)
        return out, tools or None, [m["role"] == "assistant" and _trained(m) for m in messages]

    def render(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None, generation_prompt: bool) -> str:
        if not messages:
            return ""
        try:
            return self.tokenizer.apply_chat_template(
                messages, tools=tools, chat_template=self.template, tokenize=False, add_generation_prompt=generation_prompt
            )
        except Exception as e:  # jinja errors, raise_exception() in the template
            raise MaskingError(f"the chat template rejected the conversation: {' '.join(str(e).split())[:200]}") from None

    def tokens(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"] if text else []

    def ends_turn(self, ids: list[int]) -> bool:
        """Whether ``ids`` end (trailing whitespace aside) with a special token, i.e. carry their own end-of-turn."""
        for t in reversed(ids):
            if t in self.special_ids:
                return True
            if self.tokenizer.decode([t]).strip():
                return False
        return False


def mask_row(row: dict[str, Any], renderer: ChatRenderer, where: str = "") -> list[MaskedSample]:
    """Tokenise one LIMI row into masked samples (one, or several when the template re-renders history)."""
    messages, tools, trained = renderer.prepare(row)
    samples: list[MaskedSample] = []
    sample = MaskedSample([], [], where)
    text = ""  # what the current sample's tokens are a rendering of
    pending_stop: int | None = None  # a stop token (next role marker) that the next segment must start with

    def add(segment: str, train: bool) -> None:
        nonlocal pending_stop
        ids = renderer.tokens(segment)
        start = len(sample.input_ids)
        sample.input_ids += ids
        sample.labels += ids if train else [IGNORE] * len(ids)
        if pending_stop is not None and ids and ids[0] == pending_stop:
            sample.labels[start] = pending_stop
            sample.turn_ends[-1] = start + 1
        pending_stop = None

    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        prompt = renderer.render(messages[:i], tools, generation_prompt=True)
        if not prompt.startswith(text):  # history renders differently now: a new sample from here
            _close(sample, pending_stop, samples)
            sample, text, pending_stop = MaskedSample([], [], where), "", None
        turn = renderer.render(messages[: i + 1], tools, generation_prompt=False)
        if not turn.startswith(prompt):
            raise MaskingError("the chat template's generation prompt is not where the assistant's turn starts")
        add(prompt[len(text):], train=False)
        reply_start = len(sample.input_ids)
        add(turn[len(prompt):], train=trained[i])
        sample.turn_ends.append(len(sample.input_ids))
        text = turn
        if trained[i] and not renderer.ends_turn(sample.input_ids[reply_start:]):
            pending_stop = _next_marker(renderer, messages, i, tools, turn)
    _close(sample, pending_stop, samples)
    return samples


def _close(sample: MaskedSample, pending_stop: int | None, samples: list[MaskedSample]) -> None:
    """Finish a sample: the last turn's stop token is appended when nothing followed it."""
    if pending_stop is not None:
        sample.input_ids.append(pending_stop)
        sample.labels.append(pending_stop)
        sample.turn_ends[-1] = len(sample.input_ids)
    if sample.trained_tokens:
        samples.append(sample)


def _next_marker(renderer: ChatRenderer, messages: list[dict[str, Any]], i: int, tools: Any, turn: str) -> int | None:
    """The special token that opens whatever follows assistant message ``i`` (its stop token), if any."""
    follow = messages[: i + 2] if i + 1 < len(messages) else [*messages[: i + 1], {"role": "user", "content": "?"}]
    after = renderer.render(follow, tools, generation_prompt=False)
    if not after.startswith(turn):  # the probe re-rendered history: ask a minimal conversation instead
        turn = renderer.render([{"role": "user", "content": "?"}, {"role": "assistant", "content": "!"}], None, False)
        after = renderer.render(
            [{"role": "user", "content": "?"}, {"role": "assistant", "content": "!"}, {"role": "user", "content": "?"}],
            None, False,
        )
        if not after.startswith(turn):
            return None
    ids = renderer.tokens(after[len(turn):].lstrip(" \t"))
    return ids[0] if ids and ids[0] in renderer.special_ids else None


def _trained(m: dict[str, Any]) -> bool:
    return m.get("train", True) is not False and m.get("weight", 1) != 0


def _special_ids(tokenizer: Any) -> set[int]:
    ids = set(getattr(tokenizer, "all_special_ids", []) or [])
    for tid, token in (getattr(tokenizer, "added_tokens_decoder", None) or {}).items():
        if getattr(token, "special", False):
            ids.add(tid)
    return ids


@dataclass
class LengthReport:
    """What fitting samples into ``max_length`` did."""

    kept: int = 0
    cut: int = 0
    dropped: int = 0
    cut_tokens: int = 0


def fit_length(samples: list[MaskedSample], max_length: int | None, too_long: TooLong) -> tuple[list[MaskedSample], LengthReport]:
    """Drop samples longer than ``max_length``, or cut them at the last turn boundary that fits."""
    report, out = LengthReport(), []
    for s in samples:
        if max_length is None or len(s) <= max_length:
            out.append(s)
            report.kept += 1
            continue
        end = max((e for e in s.turn_ends if e <= max_length), default=0)
        cut = MaskedSample(s.input_ids[:end], s.labels[:end], s.where, [e for e in s.turn_ends if e <= end])
        if too_long == "cut" and cut.trained_tokens:
            out.append(cut)
            report.cut += 1
            report.cut_tokens += len(s) - end
        else:
            report.dropped += 1
    return out, report
