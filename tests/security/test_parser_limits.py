"""The model's output is hostile: the tool-call parser never raises, stays linear, and turns a call
past its limits (size, nesting) into a tool error the model sees; lone surrogates never get through."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from agent.backends.base import TextChunk, ToolCallChunk, UsageChunk
from agent.backends.openai_compat import OpenAIBackend
from agent.messages import Message, Sampling
from agent.toolprompt import MAX_CALL_CHARS, MAX_CALL_DEPTH, StreamingReplyParser, parse_reply

DEEP = 100_000


def deep_call(depth: int = DEEP) -> str:
    return '<tool_call>{"name": "x", "arguments": ' + "[" * depth + "</tool_call>"


def stream(reply: str, size: int) -> tuple[str, str, list, StreamingReplyParser]:
    """Feed ``reply`` in ``size``-character deltas: (text shown while streaming, visible text, calls, parser)."""
    parser = StreamingReplyParser()
    shown = "".join(parser.feed(reply[i : i + size]) for i in range(0, len(reply), size))
    tail, visible, calls = parser.finish()
    return shown + tail, visible, calls, parser


def write_call(content: str) -> str:
    return "<tool_call>" + json.dumps({"name": "write_file", "arguments": {"path": "p.md", "content": content}}) + "</tool_call>"


# -- nesting -------------------------------------------------------------------------


@pytest.mark.parametrize("size", [None, 16])
def test_a_call_nested_100k_deep_is_an_error_not_a_recursion_error(size):
    reply = "Before. " + deep_call() + " After."
    if size is None:
        visible, calls = parse_reply(reply)
    else:
        _, visible, calls, _ = stream(reply, size)
    (call,) = calls
    assert call.name == "x" and call.arguments == {}
    assert f"deeper than {MAX_CALL_DEPTH} levels" in call.error
    assert len(call.raw) < 5000, "the refused call is not replayed to the model in full"
    assert visible == "Before.  After."


def test_deep_arguments_given_as_a_json_string_are_refused_too():
    inner = "[" * 1000 + "]" * 1000
    _, (call,) = parse_reply("<tool_call>" + json.dumps({"name": "x", "arguments": inner}) + "</tool_call>")
    assert call.error == f"tool call refused: it nests arrays/objects deeper than {MAX_CALL_DEPTH} levels"


def test_nesting_up_to_the_limit_parses_and_brackets_in_strings_do_not_count():
    nested = "[" * (MAX_CALL_DEPTH - 2) + "]" * (MAX_CALL_DEPTH - 2)  # inside the call's two objects
    _, (ok,) = parse_reply('<tool_call>{"name": "x", "arguments": {"a": ' + nested + "}}</tool_call>")
    assert ok.error is None
    _, (over,) = parse_reply('<tool_call>{"name": "x", "arguments": {"a": [' + nested + "]}}</tool_call>")
    assert "deeper than" in over.error
    _, (strings,) = parse_reply(write_call("[{" * 50_000))
    assert strings.error is None and strings.arguments["content"] == "[{" * 50_000


def test_a_huge_integer_is_an_error_not_a_value_error():
    _, (call,) = parse_reply('<tool_call>{"name": "x", "arguments": {"n": ' + "9" * 5000 + "}}</tool_call>")
    assert call.error.startswith("tool call is not valid JSON")


# -- size ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [None, 4096])
def test_a_call_over_the_size_limit_is_refused_with_the_limit_named(size):
    reply = write_call("x" * (MAX_CALL_CHARS + 10)) + " done"
    if size is None:
        visible, calls = parse_reply(reply)
    else:
        _, visible, calls, _ = stream(reply, size)
    (call,) = calls
    assert call.name == "write_file" and call.arguments == {}
    assert f"over the limit of {MAX_CALL_CHARS:,}" in call.error
    assert len(call.raw) < 5000
    assert visible == "done"


def test_a_call_just_under_the_size_limit_parses():
    content = "y" * (MAX_CALL_CHARS - 200)
    _, _, (call,), _ = stream(write_call(content), 4096)
    assert call.error is None and call.arguments["content"] == content


# -- lone surrogates -----------------------------------------------------------------


def test_lone_surrogates_become_replacement_characters():
    reply = "bad \ud800 text " + write_call("a\udfffb") + " end \udc80"
    for shown, visible, calls in [(None, *parse_reply(reply)), stream(reply, 3)[:3]]:
        assert visible == "bad \ufffd text  end \ufffd"
        assert calls[0].arguments["content"] == "a\ufffdb"
        for text in (visible, shown or "", json.dumps(calls[0].arguments, ensure_ascii=False)):
            text.encode("utf-8")  # would raise UnicodeEncodeError on a lone surrogate


def test_an_escaped_lone_surrogate_in_the_json_is_replaced_and_a_pair_is_kept():
    _, (call,) = parse_reply('<tool_call>{"name": "x", "arguments": {"a": "\\ud800", "b": "\\ud83d\\ude00"}}</tool_call>')
    assert call.arguments == {"a": "\ufffd", "b": "\U0001f600"}


# -- the closing tag inside a JSON string -------------------------------------------


PROTOCOL_DOC = 'Write calls as <tool_call>{"name": ...}</tool_call>, one per block.\n'


@pytest.mark.parametrize("size", [None, 1, 3, 11, 12, 16])
def test_a_closing_tag_inside_a_json_string_does_not_end_the_block(size):
    reply = "Writing the doc. " + write_call(PROTOCOL_DOC) + " Done."
    if size is None:
        visible, calls = parse_reply(reply)
        shown = visible
    else:
        shown, visible, calls, _ = stream(reply, size)
    (call,) = calls
    assert call.error is None and call.arguments["content"] == PROTOCOL_DOC
    assert visible == "Writing the doc.  Done."
    assert shown.strip() == visible


def test_escaped_quotes_and_backslashes_do_not_confuse_the_string_scan():
    content = 'a \\" </tool_call> \\\\" still inside \\\\'
    _, _, (call,), _ = stream(write_call(content) + "after", 5)
    assert call.arguments["content"] == content


def test_broken_json_with_an_open_string_still_ends_at_its_closing_tag():
    reply = '<tool_call>{"name": "read_file", "arguments": {"path": "a.py}}</tool_call> and then I said more.'
    for visible, calls in [parse_reply(reply), stream(reply, 4)[1:3]]:
        (call,) = calls
        assert call.name == "read_file" and "not valid JSON" in call.error
        assert visible == "and then I said more."


def test_an_unclosed_call_whose_string_holds_the_tag_is_parsed_as_far_as_it_goes():
    reply = '<tool_call>{"name": "w", "arguments": {"c": "see </tool_call> here"}}'
    _, (call,) = parse_reply(reply)
    assert call.error is None and call.arguments == {"c": "see </tool_call> here"}


# -- linear time, counted -----------------------------------------------------------


def test_streaming_a_1mb_call_in_16_byte_deltas_scans_each_character_a_bounded_number_of_times():
    reply = "Writing. " + write_call('<a href="x">\\"quoted\\"</a> ' * 30_000) + " Done."
    assert len(reply) > 900_000
    _, visible, (call,), parser = stream(reply, 16)
    assert call.error is None and visible == "Writing.  Done."
    assert parser.scanned < 2 * len(reply), parser.scanned


def test_many_broken_blocks_and_stray_angle_brackets_stay_linear():
    reply = '<tool_call>"</tool_call> x < y ' * 20_000
    _, _, calls, parser = stream(reply, 16)
    assert calls and all(c.error for c in calls)
    assert parser.scanned < 5 * len(reply), parser.scanned
    _, _, _, plain = stream("a < b << c <tool_ <tool_cal " * 40_000, 7)
    assert plain.scanned < 5 * 28 * 40_000


# -- native tool calls from a real HTTP server --------------------------------------


def test_native_tool_calls_past_the_limits_are_errors(scripted_server):
    def frag(i, args):
        return {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
                "choices": [{"index": 0, "delta": {"tool_calls": [{"index": i, "id": f"call_{i}", "type": "function",
                                                                    "function": {"name": "x", "arguments": args}}]},
                             "finish_reason": None}]}

    done = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}
    big = json.dumps({"content": "z" * (MAX_CALL_CHARS + 1)})
    events = [frag(0, '{"a": ' + "[" * DEEP), frag(1, big), frag(2, '{"s": "\\ud800"}'), done]
    server = scripted_server([{"sse": events}])
    backend = OpenAIBackend(server.base_url, "m", tool_protocol="native", max_retries=0)
    chunks = list(backend.stream([Message(role="user", content="go")], [], Sampling()))
    deep, large, surrogate = [c.call for c in chunks if isinstance(c, ToolCallChunk)]
    assert "deeper than" in deep.error and len(deep.raw) <= 2000
    assert "over the limit" in large.error and len(large.raw) < 5000
    assert surrogate.error is None and surrogate.arguments == {"s": "\ufffd"}
    assert isinstance(chunks[-1], UsageChunk) and not any(isinstance(c, TextChunk) for c in chunks)


# -- a whole headless run ------------------------------------------------------------


def limi(*args, cwd):
    env = {**os.environ, "LIMI_MAX_RETRIES": "0"}
    return subprocess.run([sys.executable, "-m", "limi_cli.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def repo(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "a.txt").write_text("hello\n")
    subprocess.run(["git", "init", "-q"], cwd=ws, check=True)
    return ws


def scripted(tmp_path, replies) -> str:
    path = tmp_path / "replies.json"
    path.write_text(json.dumps(replies))  # lone surrogates travel as \\udXXX escapes
    return f"scripted:{path}"


def test_headless_run_survives_a_100k_deep_call_and_the_model_is_told(tmp_path, repo):
    model = scripted(tmp_path, ["Trying. " + deep_call(), "Recovered."])
    result = limi("run", "-p", "go", "-m", model, "--output-format", "stream-json", cwd=repo)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    tool_result = next(line for line in lines if line["type"] == "user")["message"]["content"][0]
    assert tool_result["is_error"] is True and f"deeper than {MAX_CALL_DEPTH} levels" in tool_result["content"]
    assert lines[-1]["type"] == "result" and lines[-1]["result"] == "Recovered."


def test_headless_run_with_a_lone_surrogate_in_the_answer_prints_a_replacement_character(tmp_path, repo):
    model = scripted(tmp_path, ["The answer is \ud800 here."])
    result = limi("run", "-p", "go", "-m", model, cwd=repo)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == "The answer is \ufffd here.\n"
