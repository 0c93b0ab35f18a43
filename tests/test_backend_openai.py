"""OpenAIBackend against real HTTP servers: llama-cpp-python's server and scripted stdlib servers."""

from __future__ import annotations

import json
import time

import pytest

from agent.backends.base import BackendError, ReasoningChunk, TextChunk, ToolCallChunk, UsageChunk
from agent.backends.openai_compat import OpenAIBackend
from agent.messages import Message, Sampling, ToolCall, ToolSpec

READ_FILE = ToolSpec(
    name="read_file",
    description="Read a text file from the workspace.",
    parameters={"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
)
GREEDY = Sampling(temperature=0.0, max_tokens=12, seed=1)


def hello() -> list[Message]:
    return [Message(role="system", content="You are a helpful assistant."), Message(role="user", content="Say hello.")]


def chunk(delta: dict | None = None, finish: str | None = None, usage: dict | None = None) -> dict:
    """One ``chat.completion.chunk`` event as OpenAI streams it."""
    choices = [] if delta is None and finish is None else [{"index": 0, "delta": delta or {}, "finish_reason": finish}]
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": choices, "usage": usage}


def collect(backend: OpenAIBackend, messages=None, tools=(), sampling=GREEDY) -> list:
    chunks = list(backend.stream(messages or hello(), list(tools), sampling))
    assert isinstance(chunks[-1], UsageChunk), "the last chunk is always the usage"
    assert not any(isinstance(c, UsageChunk) for c in chunks[:-1])
    return chunks


def text_of(chunks) -> str:
    return "".join(c.text for c in chunks if isinstance(c, TextChunk))


# -- llama-cpp-python's real server ---------------------------------------------


@pytest.mark.slow
def test_text_protocol_streams_a_reply(llama_server):
    backend = OpenAIBackend(llama_server.base_url, llama_server.model, tool_protocol="text")
    chunks = collect(backend)
    assert sum(isinstance(c, TextChunk) for c in chunks) >= 2, "the reply arrives in pieces"
    assert text_of(chunks).strip()
    usage = chunks[-1].usage
    # llama_cpp.server ignores stream_options and sends no usage when streaming: the backend counts pieces
    assert usage.completion_tokens > 0
    assert chunks[-1].finish_reason in ("stop", "length")
    assert backend.describe()["tool_protocol"] == "text"


@pytest.mark.slow
def test_native_tools_are_accepted_and_auto_stays_native(llama_server):
    # With the GGUF's own chat template, llama_cpp.server accepts `tools`, ignores them and
    # answers in plain text: no 400, so "auto" keeps the native protocol.
    backend = OpenAIBackend(llama_server.base_url, llama_server.model, tool_protocol="auto")
    chunks = collect(backend, [Message(role="user", content="Read the file a.txt")], [READ_FILE])
    assert text_of(chunks).strip()
    assert chunks[-1].finish_reason in ("stop", "length", "tool_calls")
    info = backend.describe()
    assert info["tool_protocol"] == "native" and "tool_protocol_fallback" not in info


@pytest.mark.slow
def test_llama_server_ignores_an_unknown_model_name(llama_server):
    # llama_cpp.server falls back to its default model for names it does not serve.
    backend = OpenAIBackend(llama_server.base_url, "no-such-model", tool_protocol="text")
    assert text_of(collect(backend)).strip()


# -- scripted servers: what a real server will not do on demand ------------------


def test_unknown_model_lists_served_models(scripted_server):
    not_found = {"error": {"message": "The model `x` does not exist", "type": "invalid_request_error", "code": "model_not_found"}}
    server = scripted_server([{"status": 404, "body": not_found}], models=["qwen3-8b", "llama-3.1-8b"])
    backend = OpenAIBackend(server.base_url, "x", max_retries=0)
    with pytest.raises(BackendError) as err:
        collect(backend)
    msg = str(err.value)
    assert msg == f"model 'x' is not served at {server.base_url}; served models: qwen3-8b, llama-3.1-8b"
    assert "\n" not in msg


def test_server_down_fails_fast_with_the_url(unused_port):
    base_url = f"http://127.0.0.1:{unused_port}/v1"
    backend = OpenAIBackend(base_url, "m", max_retries=1, timeout_s=5)
    start = time.monotonic()
    with pytest.raises(BackendError) as err:
        collect(backend)
    assert time.monotonic() - start < 60  # a bound on a hang (retries for minutes), not a speed measure
    msg = str(err.value)
    assert f"cannot reach the model server at {base_url}" in msg and "start it or fix base_url" in msg
    assert "\n" not in msg


def test_retries_server_errors_then_succeeds(scripted_server):
    boom = {"status": 500, "body": {"error": {"message": "overloaded", "type": "server_error"}}}
    ok = {"sse": [chunk({"role": "assistant", "content": "Hel"}), chunk({"content": "lo"}), chunk(finish="stop")]}
    server = scripted_server([boom, boom, ok])
    backend = OpenAIBackend(server.base_url, "m", max_retries=3)
    chunks = collect(backend)
    assert text_of(chunks) == "Hello"
    assert len(server.posts()) == 3
    assert chunks[-1].finish_reason == "stop"
    assert chunks[-1].usage.completion_tokens == 2 and chunks[-1].usage.prompt_tokens == 0  # estimated


def test_persistent_server_error_is_one_line(scripted_server):
    boom = {"status": 503, "body": {"error": {"message": "no capacity\nat all", "type": "server_error"}}}
    server = scripted_server([boom, boom])
    with pytest.raises(BackendError, match=r"^model server error 503: no capacity at all$"):
        collect(OpenAIBackend(server.base_url, "m", max_retries=1))


def test_rejected_api_key(scripted_server):
    server = scripted_server([{"status": 401, "body": {"error": {"message": "Incorrect API key", "type": "auth"}}}])
    with pytest.raises(BackendError, match="rejected the API key.*set LIMI_API_KEY"):
        collect(OpenAIBackend(server.base_url, "m", api_key="wrong", max_retries=0))


def test_native_tool_calls_accumulate_and_broken_json_is_kept(scripted_server):
    frag = lambda i, **kw: chunk({"tool_calls": [{"index": i, **kw}]})  # noqa: E731
    events = [
        chunk({"role": "assistant", "content": "Let me look."}),
        frag(0, id="call_a", type="function", function={"name": "read_file", "arguments": '{"pa'}),
        frag(0, function={"arguments": 'th": "a.txt"}'}),
        frag(1, id="call_b", type="function", function={"name": "read_file", "arguments": '{"path": "b.txt"'}),
        chunk(finish="tool_calls"),
        chunk(usage={"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70, "prompt_tokens_details": {"cached_tokens": 32}}),
    ]
    server = scripted_server([{"sse": events}])
    backend = OpenAIBackend(server.base_url, "m", tool_protocol="native")
    chunks = collect(backend, tools=[READ_FILE])
    calls = [c.call for c in chunks if isinstance(c, ToolCallChunk)]
    assert calls[0] == ToolCall(id="call_a", name="read_file", arguments={"path": "a.txt"})
    assert calls[1].name == "read_file" and calls[1].error and calls[1].raw == '{"path": "b.txt"'
    assert text_of(chunks) == "Let me look."
    last = chunks[-1]
    assert (last.usage.prompt_tokens, last.usage.completion_tokens, last.usage.cached_tokens) == (50, 20, 32)
    assert last.finish_reason == "tool_calls"
    request = server.posts()[0]
    assert request["tools"] == [READ_FILE.openai()] and request["stream"] is True
    assert request["stream_options"] == {"include_usage": True}


def test_messages_are_converted_for_the_api(scripted_server):
    server = scripted_server([{"sse": [chunk({"content": "ok"}), chunk(finish="stop")]}])
    history = [
        Message(role="user", content="read a.txt"),
        Message(role="assistant", content="", reasoning="secret thoughts",
                tool_calls=[ToolCall(id="call_1", name="read_file", arguments={"path": "a.txt"})]),
        Message(role="tool", content="hello", tool_call_id="call_1", name="read_file"),
    ]
    collect(OpenAIBackend(server.base_url, "m", tool_protocol="native"), history, [READ_FILE])
    sent = server.posts()[0]["messages"]
    assert sent[1]["tool_calls"][0]["function"] == {"name": "read_file", "arguments": json.dumps({"path": "a.txt"})}
    assert "secret" not in json.dumps(sent)
    assert sent[2] == {"role": "tool", "tool_call_id": "call_1", "content": "hello"}


def test_auto_falls_back_to_text_when_tools_are_rejected(scripted_server):
    rejected = {"status": 400, "body": {"error": {"message": "tools are not supported by this model", "type": "invalid_request_error"}}}
    reply = 'Sure.<tool_call>\n{"name": "read_file", "arguments": {"path": "a.txt"}}\n</tool_call>'
    server = scripted_server([rejected, {"sse": [chunk({"content": reply[:9]}), chunk({"content": reply[9:]}), chunk(finish="stop")]}])
    backend = OpenAIBackend(server.base_url, "m", tool_protocol="auto")
    chunks = collect(backend, tools=[READ_FILE])
    assert text_of(chunks) == "Sure."
    calls = [c.call for c in chunks if isinstance(c, ToolCallChunk)]
    assert [(c.name, c.arguments) for c in calls] == [("read_file", {"path": "a.txt"})]
    assert chunks[-1].finish_reason == "tool_calls"
    first, second = server.posts()
    assert "tools" in first and "tools" not in second
    assert "<tools>" in second["messages"][0]["content"]
    info = backend.describe()
    assert info["tool_protocol"] == "text" and "tools are not supported" in info["tool_protocol_fallback"]


def test_stream_options_rejection_is_silent(scripted_server):
    rejected = {"status": 400, "body": {"error": {"message": "Unrecognized request argument supplied: stream_options"}}}
    server = scripted_server([rejected, {"sse": [chunk({"content": "hi"}), chunk(finish="stop")]}])
    backend = OpenAIBackend(server.base_url, "m")
    assert text_of(collect(backend)) == "hi"
    assert "stream_options" not in server.posts()[1]


def test_reasoning_is_streamed_apart(scripted_server):
    events = [chunk({"reasoning_content": "think "}), chunk({"reasoning": "more"}), chunk({"content": "answer"}), chunk(finish="stop")]
    server = scripted_server([{"sse": events}])
    chunks = collect(OpenAIBackend(server.base_url, "m"))
    assert [c.text for c in chunks if isinstance(c, ReasoningChunk)] == ["think ", "more"]
    assert text_of(chunks) == "answer"
