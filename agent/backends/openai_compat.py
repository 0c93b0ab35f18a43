"""Any OpenAI-compatible chat server (vLLM, SGLang, llama.cpp, Ollama, OpenAI itself).

Streams ``chat.completions`` with the official ``openai`` client. Tool calls travel either
natively (``tools`` in the request, ``delta.tool_calls`` fragments in the reply) or as the
text protocol of :mod:`agent.toolprompt` (the same renderer the embedded model and training
use). ``tool_protocol="auto"`` starts native and switches to text for the rest of the
session when the server rejects ``tools``.

The server is not trusted to behave. A reply counts as complete only when a choice carries a
``finish_reason`` (a stream that then ends without ``data: [DONE]`` is accepted); a stream that
closes before it, a 200 whose body is not an event stream (HTML, garbage, an ``{"error": ...}``
object), a malformed event, a timeout, 429 and 5xx are retried with backoff, honouring
``Retry-After`` up to ``max_retry_wait_s`` of waiting in all (a longer ask stops at once). Once
text has been shown the request is not repeated (the answer would be shown twice): the failure
is reported as it is. What still fails becomes a one-line :class:`BackendError`.
"""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any, Iterator

from pydantic import BaseModel

from agent.backends.base import BackendError, Chunk, ReasoningChunk, TextChunk, TextProtocolReply, ToolCallChunk, UsageChunk
from agent.messages import Message, Sampling, ToolCall, ToolSpec, Usage
from agent.toolprompt import MAX_CALL_CHARS, clean_text, load_model_json, new_call_id, oversize_call, render_messages

_BODY_PEEK = 64 * 1024  # bytes of a non-stream 200 body read to say what it was


class _Retry(Exception):
    """A failure worth another try: ``message`` is what the person reads if none is left
    (``{tries}`` becomes " (N tries)"); ``retry_after``: what the server asked for, in seconds."""

    def __init__(self, message: str, retry_after: float | None = None, status: int | None = None):
        super().__init__(message)
        self.message, self.retry_after, self.status = message, retry_after, status

    def final(self, tries: int) -> str:
        return self.message.replace("{tries}", f" ({tries} tries)" if tries > 1 else "")


class _Progress:
    def __init__(self) -> None:
        self.shown = False  # text or reasoning reached the caller: the request cannot be repeated
        self.chunks = 0  # stream events received


class OpenAIBackend:
    """A model behind an OpenAI-compatible ``/v1/chat/completions`` endpoint."""

    name = "openai"
    tool_prompt = "full"  # text protocol only; set by make_backend from the tool_prompt setting
    concurrent = True  # a server takes several requests at once: subagents may run side by side

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        tool_protocol: str = "auto",
        timeout_s: float = 120,
        max_retries: int = 3,
        *,
        connect_timeout_s: float = 10,
        max_retry_wait_s: float = 60,
    ):
        """``timeout_s``: the longest wait for the server's next bytes; ``connect_timeout_s``: for a
        connection; ``max_retries``: further tries after a failure that may pass; ``max_retry_wait_s``:
        the most time spent waiting between tries, ``Retry-After`` included."""
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
        self.timeout_s, self.connect_timeout_s = timeout_s, min(connect_timeout_s, timeout_s)
        self.max_retries, self.max_retry_wait_s = max(0, max_retries), max_retry_wait_s
        self.retry_waits: list[float] = []  # the waits before each retry of the last call, in seconds
        # local servers ignore the key, but the client insists on one; retries are ours (the client's
        # own would ignore a long Retry-After and repeat requests whose answer was already shown)
        self.client = openai.OpenAI(
            base_url=self.base_url,
            api_key=api_key or "EMPTY",
            timeout=_timeout(timeout_s, self.connect_timeout_s),
            max_retries=0,
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
            except openai.APIStatusError as e:
                if e.status_code in (408, 409, 429) or e.status_code >= 500:
                    raise _Retry(str(self._error(e)), _retry_after(e.response), e.status_code) from None
                raise self._error(e) from None
            except openai.APIConnectionError as e:  # timeouts included
                raise _Retry(str(self._error(e))) from None
            except openai.OpenAIError as e:
                raise self._error(e) from None

    # -- reply -----------------------------------------------------------------

    def stream(self, messages: list[Message], tools: list[ToolSpec], sampling: Sampling) -> Iterator[Chunk]:
        self.retry_waits = []
        waited, tries = 0.0, 0
        while True:
            tries += 1
            progress = _Progress()
            try:
                yield from self._attempt(messages, tools, sampling, progress)
                return
            except _Retry as failure:
                if progress.shown or tries > self.max_retries:
                    raise BackendError(failure.final(tries)) from None
                delay = failure.retry_after if failure.retry_after is not None else min(0.5 * 2 ** (tries - 1), 8.0)
                if waited + delay > self.max_retry_wait_s:
                    if failure.retry_after is None:
                        raise BackendError(failure.final(tries)) from None
                    status = f" answered {failure.status} and" if failure.status else ""
                    raise BackendError(
                        f"the model server at {self.base_url}{status} asked to retry after {_secs(delay)} s; giving up "
                        f"(limi-cli waits at most {_secs(self.max_retry_wait_s)} s in all: try again later or raise max_retry_wait_s)"
                    ) from None
                time.sleep(delay)
                waited += delay
                self.retry_waits.append(delay)

    def _attempt(self, messages: list[Message], tools: list[ToolSpec], sampling: Sampling, progress: _Progress) -> Iterator[Chunk]:
        """One request. Raises :class:`_Retry` for a failure that another try may get past."""
        openai = self._openai
        response = self._open(messages, tools, sampling)
        text_mode = self.protocol == "text"
        reply = TextProtocolReply()
        partial: dict[int, dict[str, str]] = {}  # native tool calls by index
        usage: Usage | None = None
        finish: str | None = None
        pieces = 0
        with response:
            self._check_body(response)
            events = iter(response)
            while True:
                try:
                    chunk = next(events)
                except StopIteration:
                    break
                except openai.APIError as e:
                    if isinstance(e, openai.APIConnectionError):  # the connection broke or stalled
                        if finish is not None:
                            break  # the answer was complete: what followed does not matter
                        raise self._broken(e, progress) from None
                    raise _Retry(str(self._error(e))) from None  # an {"error": ...} event in the stream
                except Exception as e:  # the connection broke or stalled, or an event that is not JSON
                    if finish is not None:
                        break  # the answer was complete: what followed does not matter
                    raise self._broken(e, progress) from None
                progress.chunks += 1
                if not isinstance(chunk, (dict, BaseModel)):
                    raise _Retry(self._malformed(f"an event that is not a chat completion chunk: {_one_line(repr(chunk), 80)}"))
                if _field(chunk, "usage") is not None:
                    usage = _usage(_field(chunk, "usage"))
                choices = _field(chunk, "choices") or []
                if not isinstance(choices, list):
                    raise _Retry(self._malformed(f'"choices" is {type(choices).__name__}, not a list'))
                for choice in choices:
                    delta, reason = _choice(choice)
                    if delta is None and reason is None and not isinstance(choice, (dict, BaseModel)):
                        raise _Retry(self._malformed(f"a choice that is {type(choice).__name__}, not an object"))
                    finish = reason or finish
                    if delta is None:
                        continue
                    reasoning = _text(delta, "reasoning_content") or _text(delta, "reasoning")
                    if reasoning:
                        pieces += 1
                        progress.shown = True
                        yield ReasoningChunk(text=clean_text(reasoning))
                    content = _text(delta, "content")
                    if content:
                        pieces += 1
                        if text_mode:
                            for out in reply.feed(content):
                                progress.shown = True
                                yield out
                        else:
                            progress.shown = True
                            yield TextChunk(text=clean_text(content))
                    tool_calls = _field(delta, "tool_calls") or []
                    if not isinstance(tool_calls, list):
                        raise _Retry(self._malformed('"tool_calls" is not a list'))
                    for tc in tool_calls:
                        pieces += 1
                        _accumulate(partial, tc)
        if finish is None:
            raise _Retry(
                f"the model server at {self.base_url} closed the stream before the answer was complete "
                f"(after {_count(progress.chunks, 'chunk')}){{tries}}; check the server's log"
            )
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

    def _check_body(self, response: Any) -> None:
        """A 200 that is not an event stream (an HTML page, an error object, garbage): say what it was."""
        http = getattr(response, "response", None)
        ctype = (http.headers.get("content-type") or "") if http is not None else ""
        if not ctype or "event-stream" in ctype.lower():
            return
        body = b""
        try:
            for part in http.iter_bytes():
                body += part
                if len(body) >= _BODY_PEEK:
                    break
        except Exception as e:
            raise self._broken(e, _Progress()) from None
        text = body[:_BODY_PEEK].decode("utf-8", "replace").strip()
        value, _ = load_model_json(text) if text[:1] in "{[\"" and text else (None, "")
        if isinstance(value, dict) and value.get("error"):
            raise _Retry(f"model server error: {_error_text(_Body(value))}{{tries}}")
        kind = "an HTML page" if "html" in ctype.lower() or text[:1] == "<" else f"{ctype.split(';')[0].strip()}"
        raise _Retry(
            f"the model server at {self.base_url} answered with {kind}, not a chat completion stream "
            f"({_one_line(clean_text(text), 80)!r}){{tries}}; check that base_url is the server's OpenAI-compatible /v1 endpoint"
        )

    def _broken(self, e: Exception, progress: _Progress) -> _Retry:
        """The stream failed while being read."""
        after = _count(progress.chunks, "chunk")
        # the client's HTTP library is httpx or its fork httpx2, depending on its version: go by class names
        kinds = {c.__name__ for c in type(e).__mro__}
        if kinds & {"TimeoutException", "APITimeoutError", "TimeoutError"}:
            return _Retry(
                f"the model server at {self.base_url} sent nothing for {_secs(self.timeout_s)} s in the middle of the answer "
                f"(after {after}){{tries}}; check that it is running or raise request_timeout_s"
            )
        if kinds & {"HTTPError", "TransportError", "StreamError", "APIConnectionError", "OSError"}:
            return _Retry(
                f"the model server at {self.base_url} closed the stream before the answer was complete "
                f"(after {after}: {_one_line(str(e), 120) or type(e).__name__}){{tries}}; check the server's log"
            )
        return _Retry(self._malformed(f"{_one_line(str(e), 120) or type(e).__name__}, after {after}"))

    def _malformed(self, what: str) -> str:
        return f"the model server at {self.base_url} sent a malformed stream ({what}){{tries}}; check that it is OpenAI-compatible"

    # -- errors ----------------------------------------------------------------

    def _error(self, e: Exception) -> BackendError:
        """One line that says what to do, for any failure of the client."""
        openai = self._openai
        if isinstance(e, openai.APITimeoutError):
            return BackendError(
                f"the model server at {self.base_url} did not answer within {_secs(self.timeout_s)} s{{tries}}; "
                "check that it is running or raise request_timeout_s"
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


def _timeout(read_s: float, connect_s: float) -> Any:
    import openai

    return openai.Timeout(read_s, connect=connect_s)


def _retry_after(response: Any) -> float | None:
    """The wait a 429/503 asks for (``retry-after-ms``, ``retry-after`` seconds or HTTP date), if any."""
    headers = getattr(response, "headers", None) or {}
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            return max(0.0, float(ms) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def _secs(value: float) -> str:
    return f"{value:g}"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _field(obj: Any, name: str) -> Any:
    """A field of a chunk part, whether the client built a model or left a dict (or something else)."""
    if isinstance(obj, dict):
        return obj.get(name)
    if isinstance(obj, BaseModel):
        return getattr(obj, name, None)
    return None


def _text(obj: Any, name: str) -> str | None:
    value = _field(obj, name)
    return value if isinstance(value, str) else None


def _choice(choice: Any) -> tuple[Any, str | None]:
    """(delta, finish_reason) of one streamed choice; a finish_reason that is not a string is ignored."""
    reason = _field(choice, "finish_reason")
    delta = _field(choice, "delta")
    if delta is not None and not isinstance(delta, (dict, BaseModel)):
        delta = None
    return delta, reason if isinstance(reason, str) and reason else None


def _accumulate(partial: dict[int, dict[str, str]], tc: Any) -> None:
    """Merge one streamed tool-call fragment. Names and ids arrive whole (some servers repeat them).

    Arguments are kept up to :data:`MAX_CALL_CHARS` (+1, to know a call went past it)."""
    index = _field(tc, "index")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < 10_000:
        index = len(partial) - 1 if partial and not _text(tc, "id") else len(partial)
    slot = partial.setdefault(index, {"id": "", "name": "", "arguments": "", "size": 0})  # type: ignore[dict-item]
    if _text(tc, "id") and not slot["id"]:
        slot["id"] = clean_text(_text(tc, "id") or "")[:200]
    fn = _field(tc, "function")
    name, args = _text(fn, "name"), _text(fn, "arguments")
    if name and not slot["name"]:
        slot["name"] = clean_text(name)[:200]
    if args:
        room = MAX_CALL_CHARS + 1 - len(slot["arguments"])
        if room > 0:
            slot["arguments"] += clean_text(args[:room])
        slot["size"] += len(args)  # type: ignore[operator]


def _finish_call(slot: dict[str, Any]) -> ToolCall:
    """A complete native call; broken, oversize or too deep argument JSON is recorded on the call, never raised."""
    call_id, name, raw = slot["id"] or new_call_id(), slot["name"], slot["arguments"]
    if not name:
        return ToolCall(id=call_id, name="", error="tool call has no function name", raw=raw[:2000])
    if slot.get("size", len(raw)) > MAX_CALL_CHARS:
        return oversize_call(slot["size"], raw, name=name).model_copy(update={"id": call_id})
    args, problem = load_model_json(raw) if raw.strip() else ({}, None)
    if problem is not None:
        if "deeper than" in problem:
            return ToolCall(id=call_id, name=name, error=f"tool call refused: {problem}", raw=raw[:2000])
        return ToolCall(id=call_id, name=name, error=f"arguments are not valid JSON: {problem}", raw=raw)
    if not isinstance(args, dict):
        return ToolCall(id=call_id, name=name, error="arguments must be a JSON object", raw=raw)
    return ToolCall(id=call_id, name=name, arguments=args)


def _usage(u: Any) -> Usage:
    def count(obj: Any, name: str) -> int:
        value = _field(obj, name)
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0

    return Usage(
        prompt_tokens=count(u, "prompt_tokens"),
        completion_tokens=count(u, "completion_tokens"),
        cached_tokens=count(_field(u, "prompt_tokens_details"), "cached_tokens"),
    )


class _Body:
    """An error body read by hand, shaped like the client's exceptions for :func:`_error_text`."""

    def __init__(self, body: Any):
        self.body, self.message = body, None


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
