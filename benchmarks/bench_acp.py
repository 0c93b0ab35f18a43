"""What does ACP cost? The same scripted session run headless (``limi-cli run``) and through
``limi-cli acp`` driven by the SDK's client over real pipes, side by side in one run.

    .venv/bin/python benchmarks/bench_acp.py [steps] [repeats]

The session: one task, ``steps`` model turns each calling ``read_file`` on another line of a
file (the loop guard sees no repeats), then a final answer; scripted model, no delay, so what is
measured is limi-cli itself. Each repeat runs, interleaved, three processes from start to exit:

- ``run``: ``limi-cli run -p TASK --output-format json`` (text to a pipe);
- ``acp``: ``limi-cli acp``; initialize, session/new, one session/prompt, stdin closed, exit;
  every update received by the client;
- ``acp+fs``: the same, the client offering fs/*: every read is a round trip to the client.

Reported, as medians with the ratio to ``run``: the process's wall time (start-up included:
``limi-cli acp`` imports the SDK, whose pydantic schema takes most of a second to build), and the
turn itself (``run``: the session's ``duration_s`` from its log; ``acp``: session/prompt sent to
answered, at the client), with the turn's extra milliseconds per step.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from acp import PROTOCOL_VERSION, connect_to_agent, text_block  # noqa: E402
from acp.schema import (  # noqa: E402
    ClientCapabilities,
    FileSystemCapabilities,
    ReadTextFileResponse,
    WriteTextFileResponse,
)

TASK = "read the file line by line"


def call(name: str, **args) -> str:
    return f'<tool_call>{json.dumps({"name": name, "arguments": args})}</tool_call>'


def make_workspace(root: Path, steps: int) -> tuple[Path, str]:
    ws = root / "ws"
    ws.mkdir()
    (ws / "notes.txt").write_text("".join(f"line {i}: some text to read\n" for i in range(1, steps + 1)))
    subprocess.run(["git", "init", "-q"], cwd=ws, check=True)
    replies = [call("read_file", path="notes.txt", offset=i, limit=1) for i in range(1, steps + 1)]
    replies.append(f"Read all {steps} lines.")
    script = root / "replies.json"
    script.write_text(json.dumps(replies))
    return ws, f"scripted:{script}"


def common_args(model: str, steps: int) -> list[str]:
    return ["-m", model, "--max-turns", str(steps + 5), "--approval", "auto-edit", "--sandbox", "off"]


def run_headless(ws: Path, model: str, steps: int) -> tuple[float, float]:
    """(process wall time, the session's own duration from its log)."""
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "limi_cli.cli", "run", "-p", TASK, "--output-format", "json",
                           *common_args(model, steps)], cwd=ws, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    assert done.returncode == 0, done.stderr
    (log,) = (ws / ".limi" / "sessions").glob("*.jsonl")
    ended = json.loads(log.read_text().splitlines()[-1])
    assert ended["type"] == "session_ended" and ended["tool_calls"] == steps, ended
    return elapsed, ended["duration_s"]


class Client:
    def __init__(self):
        self.updates = 0
        self.reads = 0

    async def session_update(self, session_id, update, **kwargs):
        self.updates += 1

    async def request_permission(self, session_id, tool_call, options, **kwargs):
        raise AssertionError("nothing should ask in auto-edit mode")

    async def read_text_file(self, session_id, path, line=None, limit=None, **kwargs):
        self.reads += 1
        return ReadTextFileResponse(content=Path(path).read_text())

    async def write_text_file(self, session_id, path, content, **kwargs):
        Path(path).write_text(content)
        return WriteTextFileResponse()


async def run_acp(ws: Path, model: str, steps: int, fs: bool) -> tuple[float, float, int]:
    """(process wall time, the prompt's round trip at the client, updates received)."""
    t0 = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "limi_cli.cli", "acp", *common_args(model, steps), cwd=ws,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    client = Client()
    conn = connect_to_agent(client, proc.stdin, proc.stdout)
    caps = ClientCapabilities(fs=FileSystemCapabilities(read_text_file=fs, write_text_file=fs))
    await conn.initialize(protocol_version=PROTOCOL_VERSION, client_capabilities=caps)
    session = await conn.new_session(cwd=str(ws), mcp_servers=[])
    t_prompt = time.perf_counter()
    response = await conn.prompt(session_id=session.session_id, prompt=[text_block(TASK)])
    turn = time.perf_counter() - t_prompt
    assert response.stop_reason == "end_turn", response
    proc.stdin.close()
    await proc.wait()
    elapsed = time.perf_counter() - t0
    await conn.close()
    assert proc.returncode == 0
    assert client.reads == (steps if fs else 0), client.reads
    return elapsed, turn, client.updates


def main() -> None:
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    times: dict[str, list[float]] = {"run": [], "acp": [], "acp+fs": []}
    turns: dict[str, list[float]] = {name: [] for name in times}
    updates = 0
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")
        for r in range(repeats):
            root = Path(tmp) / f"r{r}"
            for name in times:
                (root / name).mkdir(parents=True)
                ws, model = make_workspace(root / name, steps)
                if name == "run":
                    elapsed, turn = run_headless(ws, model, steps)
                else:
                    elapsed, turn, updates = asyncio.run(run_acp(ws, model, steps, fs=name == "acp+fs"))
                times[name].append(elapsed)
                turns[name].append(turn)
    print(f"session: {steps} read_file steps + a final answer, scripted model; median of {repeats}, interleaved")
    print(f"acp updates received per session: {updates}")
    print("process: start to exit; turn: run = the session's duration_s in its log, acp = session/prompt sent to answered")
    print(f"{'front end':<10} {'process s':>10} {'ratio':>7} {'turn s':>8} {'ratio':>7} {'turn ms/step over run':>22}")
    base, base_turn = statistics.median(times["run"]), statistics.median(turns["run"])
    for name in times:
        med, turn = statistics.median(times[name]), statistics.median(turns[name])
        print(f"{name:<10} {med:>10.3f} {med / base:>6.2f}x {turn:>8.3f} {turn / base_turn:>6.2f}x "
              f"{(turn - base_turn) / steps * 1000:>22.2f}")


if __name__ == "__main__":
    main()
