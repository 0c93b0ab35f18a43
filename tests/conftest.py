"""Shared fixtures: real local servers and tiny real models, no mocks.

- ``llama_server``: llama-cpp-python's own OpenAI-compatible server on 127.0.0.1 serving
  the embedded SmolLM2 GGUF (session-scoped).
- ``scripted_server``: a factory for tiny stdlib HTTP servers that answer OpenAI-style
  requests from a script (status codes, JSON bodies, SSE streams), for the cases a real
  server will not produce on demand (500s, 404 model_not_found, broken tool-call JSON).
- ``tiny_hf_model_dir``: a randomly initialised 2-layer Llama with SmolLM2's tokenizer and
  chat template, saved as a Hugging Face checkpoint directory (session-scoped).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

# A run started in the background by a non-interactive shell (`pytest &`, a CI step, a stress run)
# inherits SIGINT ignored, and Python then installs no KeyboardInterrupt handler: the tests that
# press ctrl+c with a real SIGINT need one, and so do the processes they start (an ignored signal
# stays ignored across exec; one with a handler goes back to the default).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the time of asking)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def unused_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def embedded_gguf() -> Path:
    """The shipped SmolLM2-135M-Instruct GGUF file."""
    from agent.model_files import embedded_gguf_path

    return embedded_gguf_path()


# -- llama-cpp-python's OpenAI-compatible server ---------------------------------


@dataclass
class LlamaServer:
    base_url: str  # ends with /v1
    model: str  # the alias it serves
    process: subprocess.Popen
    log: Path


@pytest.fixture(scope="session")
def llama_server(embedded_gguf: Path, tmp_path_factory) -> Iterator[LlamaServer]:
    """``python -m llama_cpp.server`` (through :mod:`agent.llama_cpu`) on a free port, up until the session ends."""
    import llama_cpp.server  # noqa: F401  (the [dev] extra installs it: a missing server must fail, not skip)
    port = free_port()
    log = tmp_path_factory.mktemp("llama_server") / "server.log"
    alias = "smollm2-135m"
    cmd = [
        sys.executable, "-m", "agent.llama_cpu",
        "--model", str(embedded_gguf), "--model_alias", alias,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 300  # a bound: loading the model on a loaded machine can take a while
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(base_url + "/models", timeout=30) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"llama_cpp.server did not answer in 300 s: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield LlamaServer(base_url=base_url, model=alias, process=proc, log=log)
    finally:
        _kill_group(proc)


def _kill_group(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


# -- scripted stdlib HTTP servers ------------------------------------------------


@dataclass
class Reply:
    """One scripted answer: a JSON body, or (``sse``) a list of events streamed as ``data:`` lines."""

    status: int = 200
    body: Any = None
    sse: list[Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


class ScriptedServer:
    """Answers POSTs with the next scripted :class:`Reply`; GET /v1/models lists ``models``.

    Every request is recorded in ``requests`` as (method, path, parsed JSON body or None).
    """

    def __init__(self, replies: list[Reply | dict], models: list[str] | None = None):
        self.replies = [r if isinstance(r, Reply) else Reply(**r) for r in replies]
        self.models = models if models is not None else ["scripted-model"]
        self.requests: list[tuple[str, str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                server.requests.append(("GET", self.path, None))
                if self.path.rstrip("/").endswith("/models"):
                    data = [{"id": m, "object": "model", "owned_by": "test"} for m in server.models]
                    self._send(Reply(body={"object": "list", "data": data}))
                else:
                    self._send(Reply(status=404, body={"error": {"message": "not found", "type": "invalid_request_error"}}))

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                server.requests.append(("POST", self.path, json.loads(raw) if raw else None))
                if server.replies:
                    self._send(server.replies.pop(0))
                else:
                    self._send(Reply(status=500, body={"error": {"message": "script exhausted", "type": "server_error"}}))

            def _send(self, reply: Reply) -> None:
                if reply.sse is not None:
                    payload = "".join(
                        f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in [*reply.sse, "[DONE]"]
                    ).encode()
                    ctype = "text/event-stream"
                else:
                    payload = json.dumps(reply.body if reply.body is not None else {}).encode()
                    ctype = "application/json"
                self.send_response(reply.status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(payload)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def posts(self) -> list[Any]:
        return [body for method, _, body in self.requests if method == "POST"]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def scripted_server() -> Iterator[Callable[..., ScriptedServer]]:
    """Factory: ``scripted_server([{"status": 500, "body": {...}}, {"sse": [...]}], models=[...])``.

    Replies are :class:`Reply` objects or dicts of its fields; servers shut down after the test.
    """
    started: list[ScriptedServer] = []

    def start(replies: list[Reply | dict], models: list[str] | None = None) -> ScriptedServer:
        s = ScriptedServer(replies, models)
        started.append(s)
        return s

    yield start
    for s in started:
        s.close()


# -- a tiny Hugging Face checkpoint ----------------------------------------------


@pytest.fixture(scope="session")
def tiny_hf_model_dir(embedded_gguf: Path, tmp_path_factory) -> Path:
    """A random 2-layer Llama (hidden 64) with SmolLM2's tokenizer and chat template, saved with save_pretrained.

    The tokenizer comes from the shipped GGUF (no hub access); the weights are random, so
    replies are gibberish, but shapes, template, tokenizer and generation are all real.
    """
    import gguf  # noqa: F401  (transformers reads the GGUF with it)
    import torch
    import transformers
    out = tmp_path_factory.mktemp("tiny_hf_model")
    tok = transformers.AutoTokenizer.from_pretrained(str(embedded_gguf.parent), gguf_file=embedded_gguf.name)
    assert tok.chat_template, "the GGUF tokenizer should carry SmolLM2's chat template"
    config = transformers.LlamaConfig(
        vocab_size=len(tok),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id,
    )
    torch.manual_seed(0)
    model = transformers.LlamaForCausalLM(config)
    model.generation_config.eos_token_id = tok.eos_token_id
    model.generation_config.pad_token_id = config.pad_token_id
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """An empty workspace directory."""
    root = tmp_path / "ws"
    root.mkdir()
    return root


@pytest.fixture
def ctx(ws: Path):
    """A tool context confined to ``ws``."""
    from agent.tools.base import ToolContext
    from agent.tools.workspace import Workspace

    return ToolContext(workspace=Workspace(ws))


@pytest.fixture(autouse=True)
def _cache_home(tmp_path_factory, monkeypatch):
    """Caches (code index, checkpoint stores) go to a temp dir, never the user's ~/.cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(autouse=True)
def _config_home(tmp_path_factory, monkeypatch):
    """The user config dir (config.toml, trusted_projects.json) is a temp dir, never the user's ~/.config."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))


@pytest.fixture
def anyio_backend():
    """Async tests (the Textual chat driven by Pilot) run on asyncio."""
    return "asyncio"
