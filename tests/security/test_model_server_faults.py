"""A model server that misbehaves (cut streams, bodies that are not chat completions, errors in a
200, Retry-After, silence) is an error the person can read: retried where that is safe, then one
line and exit 1; never a partial answer passed off as done, never a traceback.

Real HTTP servers on 127.0.0.1 (stdlib ``http.server`` in a thread) that write exactly the
bytes a faulty server would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator

import pytest

from agent.backends.base import BackendError, TextChunk, UsageChunk
from agent.backends.openai_compat import OpenAIBackend
from agent.config import load_config
from agent.messages import Message, Sampling

Action = Callable[[BaseHTTPRequestHandler], None]


def chunk(delta: dict | None = None, finish: str | None = None) -> dict:
    return {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
            "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}]}


HELLO = [chunk({"role": "assistant", "content": "Hel"}), chunk({"content": "lo"})]


def sse(events: list[Any], done: bool = True, claim_extra: int = 0) -> Action:
    """An event stream; ``done``: end with ``data: [DONE]``; ``claim_extra``: announce that many more
    bytes in content-length than are sent, so the connection closes mid-body."""

    def act(h: BaseHTTPRequestHandler) -> None:
        text = "".join(f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events)
        payload = (text + ("data: [DONE]\n\n" if done else "")).encode()
        h.send_response(200)
        h.send_header("content-type", "text/event-stream")
        if claim_extra:
            h.send_header("content-length", str(len(payload) + claim_extra))
        h.end_headers()
        h.wfile.write(payload)  # HTTP/1.0: the body ends when the connection closes

    return act


def body(status: int, ctype: str, payload: bytes | dict, headers: dict[str, str] | None = None) -> Action:
    def act(h: BaseHTTPRequestHandler) -> None:
        data = json.dumps(payload).encode() if isinstance(payload, dict) else payload
        h.send_response(status)
        h.send_header("content-type", ctype)
        h.send_header("content-length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    return act


def busy(retry_after: str, status: int = 503) -> Action:
    return body(status, "application/json", {"error": {"message": "no capacity", "type": "server_error"}}, {"retry-after": retry_after})


class FaultServer:
    """Answers each POST with the next action; ``hang`` actions hold the request until the test ends."""

    def __init__(self, actions: list[Action | str]):
        self.actions = list(actions)
        self.posts = 0
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                server.posts += 1
                action = server.actions.pop(0) if server.actions else body(500, "application/json", {"error": {"message": "script exhausted"}})
                if action == "hang":
                    server.release.wait(timeout=60)
                    return
                if action == "stall":  # one chunk of the answer, then silence
                    self.send_response(200)
                    self.send_header("content-type", "text/event-stream")
                    self.end_headers()
                    self.wfile.write(f"data: {json.dumps(HELLO[0])}\n\n".encode())
                    self.wfile.flush()
                    server.release.wait(timeout=60)
                    return
                action(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fault_server() -> Iterator[Callable[[list[Action | str]], FaultServer]]:
    started: list[FaultServer] = []

    def start(actions: list[Action | str]) -> FaultServer:
        started.append(FaultServer(actions))
        return started[-1]

    yield start
    for s in started:
        s.close()


def run(server: FaultServer, shown: list | None = None, **kw) -> list:
    """Stream one reply through the backend (text protocol); what arrived before a failure goes to ``shown``."""
    backend = OpenAIBackend(server.base_url, "m", tool_protocol="text", **{"max_retries": 0, **kw})
    out = shown if shown is not None else []
    for c in backend.stream([Message(role="user", content="hi")], [], Sampling(max_tokens=8)):
        out.append(c)
    return out


def failure(server: FaultServer, **kw) -> tuple[str, list]:
    shown: list = []
    with pytest.raises(BackendError) as err:
        run(server, shown, **kw)
    msg = str(err.value)
    assert "\n" not in msg and "Error:" not in msg and "object has no attribute" not in msg
    return msg, shown


def text_of(chunks: list) -> str:
    return "".join(c.text for c in chunks if isinstance(c, TextChunk))


# -- streams that end too soon --------------------------------------------------------


def test_a_stream_closed_without_finish_reason_is_an_error_not_a_partial_answer(fault_server):
    server = fault_server([sse(HELLO, done=False)])
    msg, shown = failure(server, max_retries=3)
    assert msg == (f"the model server at {server.base_url} closed the stream before the answer was complete "
                   "(after 2 chunks); check the server's log")
    assert text_of(shown) == "Hello" and not any(isinstance(c, UsageChunk) for c in shown)
    assert server.posts == 1, "text was shown: repeating the request would show the answer twice"


def test_a_stream_cut_before_anything_was_shown_is_retried(fault_server):
    server = fault_server([sse([chunk({"role": "assistant"})], done=False), sse([*HELLO, chunk(finish="stop")])])
    chunks = run(server, max_retries=2)
    assert text_of(chunks) == "Hello" and chunks[-1].finish_reason == "stop"
    assert server.posts == 2


def test_a_stream_cut_every_time_fails_after_the_retries(fault_server):
    server = fault_server([sse([chunk({"role": "assistant"})], done=False)] * 2)
    msg, _ = failure(server, max_retries=1)
    assert "closed the stream before the answer was complete (after 1 chunk) (2 tries)" in msg
    assert server.posts == 2


def test_a_connection_dropped_mid_body_is_the_same_error(fault_server):
    server = fault_server([sse(HELLO, done=False, claim_extra=500)])
    msg, _ = failure(server)
    assert "closed the stream before the answer was complete (after 2 chunks: " in msg


def test_finish_reason_makes_the_answer_complete_even_without_done(fault_server):
    # documented choice: finish_reason is the server saying the answer is whole; [DONE] and a
    # clean close after it are not required
    for action in (sse([*HELLO, chunk(finish="stop")], done=False), sse([*HELLO, chunk(finish="length")], done=False, claim_extra=300)):
        chunks = run(fault_server([action]))
        assert text_of(chunks) == "Hello" and chunks[-1].finish_reason in ("stop", "length")


# -- bodies that are not a chat completion stream -------------------------------------


@pytest.mark.parametrize(
    "ctype, payload, expected",
    [
        ("text/plain", b"garbage \x00\xff not a stream", "answered with text/plain, not a chat completion stream ('garbage"),
        ("text/html; charset=utf-8", b"<html><body>Welcome to nginx!</body></html>", "answered with an HTML page, not a chat completion stream ('<html>"),
        ("application/json", {"error": {"message": "model is loading", "type": "server_error"}}, "model server error: model is loading"),
    ],
)
def test_a_200_that_is_not_a_stream_is_retried_then_an_error(fault_server, ctype, payload, expected):
    server = fault_server([body(200, ctype, payload)] * 2)
    msg, shown = failure(server, max_retries=1)
    assert expected in msg and "(2 tries)" in msg
    assert server.posts == 2 and shown == []


def test_a_200_error_object_then_a_good_stream_succeeds(fault_server):
    server = fault_server([body(200, "application/json", {"error": {"message": "busy"}}), sse([*HELLO, chunk(finish="stop")])])
    assert text_of(run(server, max_retries=1)) == "Hello"
    assert server.posts == 2


@pytest.mark.parametrize(
    "event, expected",
    [
        ("this is not json", "sent a malformed stream"),
        ('"a string, not a chunk"', "sent a malformed stream (an event that is not a chat completion chunk"),
        ('{"choices": "abc"}', 'sent a malformed stream ("choices" is str, not a list)'),
        ('{"choices": ["abc"]}', "sent a malformed stream (a choice that is str, not an object)"),
        ("[" * 100_000, "sent a malformed stream"),
        ('{"choices": [{"index": 0, "delta": {"content": 5}, "finish_reason": 7}]}', "closed the stream before the answer was complete (after 1 chunk)"),
        ('{"error": {"message": "out of memory"}}', "model server error: out of memory"),
    ],
)
def test_malformed_events_are_one_line_errors(fault_server, event, expected):
    server = fault_server([sse([event])])
    msg, _ = failure(server)
    assert expected in msg, msg


# -- Retry-After ----------------------------------------------------------------------


def test_retry_after_is_honoured(fault_server):
    server = fault_server([busy("1"), sse([*HELLO, chunk(finish="stop")])])
    backend = OpenAIBackend(server.base_url, "m", tool_protocol="text", max_retries=3)
    chunks = list(backend.stream([Message(role="user", content="hi")], [], Sampling()))
    assert text_of(chunks) == "Hello" and server.posts == 2
    assert backend.retry_waits == [1.0], "the server's wait, not the default backoff"


def test_a_retry_after_beyond_the_limit_stops_at_once(fault_server):
    server = fault_server([busy("3600")])
    msg, _ = failure(server, max_retries=3)
    assert msg == (f"the model server at {server.base_url} answered 503 and asked to retry after 3600 s; giving up "
                   "(limi-cli waits at most 60 s in all: try again later or raise max_retry_wait_s)")
    assert server.posts == 1


def test_retry_waits_add_up_to_the_limit(fault_server):
    server = fault_server([busy("0.2", 429), busy("0.2", 429), busy("0.2", 429)])
    msg, _ = failure(server, max_retries=5, max_retry_wait_s=0.5)
    assert "answered 429 and asked to retry after 0.2 s; giving up (limi-cli waits at most 0.5 s in all" in msg
    assert server.posts == 3


# -- timeouts -------------------------------------------------------------------------


def test_a_server_that_never_answers_times_out_after_the_retries(fault_server):
    server = fault_server(["hang", "hang"])
    msg, _ = failure(server, max_retries=1, timeout_s=0.5)
    assert msg == (f"the model server at {server.base_url} did not answer within 0.5 s (2 tries); "
                   "check that it is running or raise request_timeout_s")
    assert server.posts == 2


def test_a_stream_that_stalls_mid_answer_times_out_and_is_not_repeated(fault_server):
    server = fault_server(["stall", "stall"])
    # the first chunk must come within the timeout (a busy machine can hold the server's thread for a while)
    msg, shown = failure(server, max_retries=1, timeout_s=3)
    assert msg == (f"the model server at {server.base_url} sent nothing for 3 s in the middle of the answer "
                   "(after 1 chunk); check that it is running or raise request_timeout_s")
    assert text_of(shown) == "Hel" and server.posts == 1


def test_timeouts_default_to_120_s_reads_and_10_s_connects_and_are_configurable(tmp_path):
    config = load_config(tmp_path, environ={})
    assert (config.request_timeout_s, config.connect_timeout_s, config.max_retry_wait_s) == (120.0, 10.0, 60.0)
    backend = OpenAIBackend("http://127.0.0.1:9/v1", "m")
    assert (backend.client.timeout.read, backend.client.timeout.connect) == (120, 10)
    config = load_config(tmp_path, environ={"LIMI_REQUEST_TIMEOUT_S": "5", "LIMI_CONNECT_TIMEOUT_S": "2"})
    assert (config.request_timeout_s, config.connect_timeout_s) == (5.0, 2.0)


# -- the whole command ----------------------------------------------------------------


@pytest.fixture
def repo(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=ws, check=True)
    return ws


def limi_run(repo, server: FaultServer, **env: str) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "LIMI_MAX_RETRIES": "0", **env}
    return subprocess.run(
        [sys.executable, "-m", "limi_cli.cli", "run", "-p", "hi", "--base-url", server.base_url, "-m", "m"],
        cwd=repo, env=full_env, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize(
    "actions, env, expected",
    [
        ([sse(HELLO, done=False)], {}, "closed the stream before the answer was complete (after 2 chunks)"),
        ([body(200, "text/html", b"<html>login</html>")] * 2, {"LIMI_MAX_RETRIES": "1"}, "answered with an HTML page"),
        ([sse(['"just a string"'])], {}, "sent a malformed stream"),
        ([busy("3600")], {"LIMI_MAX_RETRIES": "3"}, "asked to retry after 3600 s; giving up"),
        (["hang", "hang"], {"LIMI_MAX_RETRIES": "1", "LIMI_REQUEST_TIMEOUT_S": "0.5"}, "did not answer within 0.5 s (2 tries)"),
    ],
    ids=["cut-stream", "html", "string-event", "retry-after", "hung"],
)
def test_headless_run_exits_1_with_one_line(repo, fault_server, actions, env, expected):
    server = fault_server(actions)
    result = limi_run(repo, server, **env)
    assert result.returncode == 1, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"limi-cli: error: the model server at {server.base_url} "), lines
    assert expected in lines[0] and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert server.posts == (2 if env.get("LIMI_MAX_RETRIES") == "1" else 1)
