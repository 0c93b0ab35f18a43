"""Any OpenAI-compatible chat server (vLLM, SGLang, llama.cpp, Ollama, OpenAI itself).

Streams ``chat.completions`` with the official ``openai`` client. Tool calls travel either
natively (``tools`` in the request, ``delta.tool_calls`` fragments in the reply) or as the
text protocol of :mod:`agent.toolprompt` (the same renderer the embedded model and training
use). ``tool_protocol="auto"`` starts native and switches to text for the rest of the
session when the server rejects ``tools``. The client retries 429/5xx/connection errors
with exponential backoff; what still fails becomes a one-line :class:`BackendError`.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from agent.backends.base import BackendError, Chunk, ReasoningChunk, TextChunk, TextProtocolReply, ToolCallChunk, UsageChunk
from agent.messages import Message, Sampling, ToolCall, ToolSpec, Usage
from agent.toolprompt import new_call_id, render_messages


class OpenAIBackend:
    """A model behind an OpenAI-compatible ``/v1/chat/completions`` endpoint."""

    name = "openai"
    tool_prompt = "full"  # text protocol only; set by make_backend from the tool_prompt setting

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        tool_protocol: str = "auto",
        timeout_s: float = 600,
        max_retries: int = 3,
    ):
        try:
            import openai
        except ImportError:
            raise BackendError("the openai package is not installed: run `pip install openai`") from None
        if tool_protocol not in ("auto", "native", "text"):
            raise BackendError(f"tool_protocol must be auto, native or text, not {tool_protocol!r}")
        self._openai = openai
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.requested_protocol = tool_protocol
        self.protocol = "text" if tool_protocol == "text" else "native"
        self.fallback_reason: str | None = None  # why "auto" switched to text
        self._stream_options = True  # dropped when the server rejects stream_options
        # local servers ignore the key, but the client insists on one
        self.client = openai.OpenAI(
            base_url=self.base_url, api_key=api_key or "EMPTY", timeout=timeout_s, max_retries=max_retries
        )

    def describe(self) -> dict:
        info: dict[str, Any] = {"base_url": self.base_url, "model": self.model, "tool_protocol": self.protocol}
        if self.requested_protocol == "auto":
            info["tool_protocol_requested"] = "auto"
        if self.fallback_reason:
            info["tool_protocol_fallback"] = self.fallback_reason
        return info

    # -- request ---------------------------------------------------------------

    def to_openai_messages(self, messages: list[Message], tools: list[ToolSpec]) -> list[dict[str, Any]]:
        """Internal messages as the API wants them; text protocol flattens them first.

        Reasoning is not sent back. A call whose arguments were broken is replayed with
        ``{}`` (servers that parse the history would reject the broken JSON); the tool
        message that answered it carries the error.
        """
        if self.protocol == "text":
            return render_messages(messages, tools, self.tool_prompt)
        out: list[dict[str, Any]] = []
        for m in messages:
            if m.role == "assistant":
                d: dict[str, Any] = {"role": "assistant", "content": m.content or None}
                if m.tool_calls:
                    d["tool_calls"] = [
                        {
                            "id": c.id,
                            "type": "function",
                            "function": {"name": c.name, "arguments": json.dumps(c.arguments, ensure_ascii=False)},
                        }
                        for c in m.tool_calls
                    ]
                elif d["content"] is None:
                    d["content"] = ""
                out.append(d)
            elif m.role == "tool":
                out.append({"role": "tool", "tool_call_id": m.tool_call_id or "", "content": m.content})
            else:
                out.append({"role": m.role, "content": m.content})
        return out

    def _open(self, messages: list[Message], tools: list[ToolSpec], sampling: Sampling):
        """Start the streamed request, adapting once to servers that reject an optional field."""
        openai = self._openai
        while True:
            kwargs: dict[str, Any] = dict(
                model=self.model,
                messages=self.to_openai_messages(messages, tools),
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                max_tokens=sampling.max_tokens,
                stream=True,
            )
            if sampling.seed is not None:
                kwargs["seed"] = sampling.seed
            if self._stream_options:
                kwargs["stream_options"] = {"include_usage": True}
            if self.protocol == "native" and tools:
                kwargs["tools"] = [t.openai() for t in tools]
            try:
                return self.client.chat.completions.create(**kwargs)
            except openai.BadRequestError as e:
                text = _error_text(e).lower()
                if self._stream_options and "stream_options" in text:
                    self._stream_options = False
                    continue
                if self.requested_protocol == "auto" and self.protocol == "native" and "tool" in text and tools:
                    self.protocol = "text"
                    self.fallback_reason = f"server rejected native tools: {_error_text(e)[:200]}"
                    continue
                raise self._error(e) from None
            except openai.OpenAIError as e:
                raise self._error(e) from None

    # -- reply -----------------------------------------------------------------

    def stream(self, messages: list[Message], tools: list[ToolSpec], sampling: Sampling) -> Iterator[Chunk]:
        response = self._open(messages, tools, sampling)
        text_mode = self.protocol == "text"
        reply = TextProtocolReply()
        partial: dict[int, dict[str, str]] = {}  # native tool calls by index
        usage: Usage | None = None
        finish: str | None = None
        pieces = 0
        try:
            with response:
                for chunk in response:
                    if getattr(chunk, "usage", None):
                        usage = _usage(chunk.usage)
                    for choice in chunk.choices or []:
                        finish = choice.finish_reason or finish
                        delta = choice.delta
                        if delta is None:
                            continue
                        reasoning = getattr(delta, "reasoning_content", None) or getattr(delta, "reasoning", None)
                        if isinstance(reasoning, str) and reasoning:
                            pieces += 1
                            yield ReasoningChunk(text=reasoning)
                        if delta.content:
                            pieces += 1
                            if text_mode:
                                yield from reply.feed(delta.content)
                            else:
                                yield TextChunk(text=delta.content)
                        for tc in delta.tool_calls or []:
                            pieces += 1
                            _accumulate(partial, tc)
        except self._openai.OpenAIError as e:
            raise self._error(e) from None
        if text_mode:
            yield from reply.finish()
            calls = reply.calls
        else:
            calls = [_finish_call(partial[i]) for i in sorted(partial)]
            for call in calls:
                yield ToolCallChunk(call=call)
        if usage is None:  # the server sent none: a rough count beats nothing
            usage = Usage(prompt_tokens=0, completion_tokens=pieces)
        if text_mode and calls:
            finish = "tool_calls"
        yield UsageChunk(usage=usage, finish_reason=finish)

    # -- errors ----------------------------------------------------------------

    def _error(self, e: Exception) -> BackendError:
        """One line that says what to do, for any failure of the client."""
        openai = self._openai
        if isinstance(e, openai.APITimeoutError):
            return BackendError(
                f"the model server at {self.base_url} did not answer in time; check that it is running "
                "or raise request_timeout_s"
            )
        if isinstance(e, openai.APIConnectionError):
            cause = e.__cause__ or e.__context__
            detail = _one_line(str(cause) if cause else str(e)) or "connection failed"
            return BackendError(f"cannot reach the model server at {self.base_url} ({detail}); start it or fix base_url")
        if isinstance(e, openai.APIStatusError):
            status, text = e.status_code, _error_text(e)
            low = text.lower()
            if status == 404 or "model_not_found" in low or ("model" in low and ("not found" in low or "does not exist" in low)):
                return BackendError(f"model {self.model!r} is not served at {self.base_url}; {self._served_models()}")
            if status in (401, 403):
                return BackendError(f"the server at {self.base_url} rejected the API key ({status}); set LIMI_API_KEY")
            return BackendError(f"model server error {status}: {text}")
        return BackendError(f"model server error: {_one_line(str(e))}")

    def _served_models(self) -> str:
        try:
            names = [m.id for m in self.client.with_options(max_retries=0, timeout=10).models.list()]
        except Exception:
            return "could not list its models (check that base_url ends with /v1)"
        return "served models: " + ", ".join(names) if names else "the server lists no models"


def _accumulate(partial: dict[int, dict[str, str]], tc: Any) -> None:
    """Merge one streamed tool-call fragment. Names and ids arrive whole (some servers repeat them)."""
    index = getattr(tc, "index", None)
    if index is None:
        index = len(partial) - 1 if partial and not getattr(tc, "id", None) else len(partial)
    slot = partial.setdefault(index, {"id": "", "name": "", "arguments": ""})
    if getattr(tc, "id", None) and not slot["id"]:
        slot["id"] = tc.id
    fn = getattr(tc, "function", None)
    if fn is not None:
        if fn.name and not slot["name"]:
            slot["name"] = fn.name
        if fn.arguments:
            slot["arguments"] += fn.arguments


def _finish_call(slot: dict[str, str]) -> ToolCall:
    """A complete native call; broken argument JSON is recorded on the call, never raised."""
    call_id, name, raw = slot["id"] or new_call_id(), slot["name"], slot["arguments"]
    if not name:
        return ToolCall(id=call_id, name="", error="tool call has no function name", raw=raw)
    try:
        args = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as e:
        return ToolCall(id=call_id, name=name, error=f"arguments are not valid JSON: {e.msg} at char {e.pos}", raw=raw)
    if not isinstance(args, dict):
        return ToolCall(id=call_id, name=name, error="arguments must be a JSON object", raw=raw)
    return ToolCall(id=call_id, name=name, arguments=args)


def _usage(u: Any) -> Usage:
    details = getattr(u, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) if details is not None else None
    return Usage(
        prompt_tokens=getattr(u, "prompt_tokens", None) or 0,
        completion_tokens=getattr(u, "completion_tokens", None) or 0,
        cached_tokens=cached or 0,
    )


def _error_text(e: Any) -> str:
    """The server's own message from an error body (OpenAI, vLLM and FastAPI shapes)."""
    body = getattr(e, "body", None)
    msg = None
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            msg = err.get("message") or err.get("detail")
        elif isinstance(err, str):
            msg = err
        msg = msg or body.get("detail") or body.get("message")
    elif isinstance(body, str):
        msg = body
    if msg is not None and not isinstance(msg, str):
        msg = json.dumps(msg)
    return _one_line(msg or getattr(e, "message", None) or str(e))


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
