"""Core figures of limi-cli, each printed beside its baseline from the same run.

    .venv/bin/python benchmarks/bench_core.py            # all sections
    .venv/bin/python benchmarks/bench_core.py startup    # one of: startup overhead model turns

(a) startup: `limi-cli --help` against `python -c pass`.
(b) overhead: agent time per step excluding the model (session with a scripted model and
    the log on) against calling the same tool directly.
(c) model: embedded model prompt and decode tokens/s through limi-cli's backend against
    raw llama-cpp-python on the same prompt.
(d) turns: latency of each turn of a 10-turn session whose history grows by a tool result
    per turn, with the KV cache kept across turns (limi-cli) against a cache reset per turn.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _median_run(cmd: list[str], n: int) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_startup(n: int = 15) -> None:
    exe = shutil.which("limi-cli", path=str(Path(sys.executable).parent)) or "limi-cli"
    base, ours = [], []
    for _ in range(n):  # interleaved so both see the same machine load
        base.append(_median_run([sys.executable, "-c", "pass"], 1))
        ours.append(_median_run([exe, "--help"], 1))
    b, o = statistics.median(base), statistics.median(ours)
    print(f"(a) startup   python -c pass: {b * 1000:7.1f} ms   limi-cli --help: {o * 1000:7.1f} ms   ratio {o / b:.2f}x")


def bench_overhead(steps: int = 300) -> None:
    from agent.backends.scripted import ScriptedBackend
    from agent.messages import Sampling
    from agent.policy import Policy
    from agent.session import Session
    from agent.tools.base import ToolContext
    from agent.tools.files import ReadFileTool as ReadFile
    from agent.tools.workspace import Workspace
    from agent.trajectory import TrajectoryWriter

    with tempfile.TemporaryDirectory() as d:
        ws = Path(d)
        (ws / "app.py").write_text("".join(f"line {i}\n" for i in range(200)))
        call = '<tool_call>{"name": "read_file", "arguments": {"path": "app.py"}}</tool_call>'

        tool, ctx = ReadFile(), ToolContext(workspace=Workspace(ws))
        params = ReadFile.Params(path="app.py")
        t0 = time.perf_counter()
        for _ in range(steps):
            tool.run(params, ctx)
        direct = (time.perf_counter() - t0) / steps

        backend = ScriptedBackend([call] * steps + ["done"], chunk_chars=10_000)
        t0 = time.perf_counter()
        for _ in range(steps):  # the model's own cost: replaying its replies
            list(backend.stream([], [], Sampling()))
        model = (time.perf_counter() - t0) / steps

        backend = ScriptedBackend([call] * steps + ["done"], chunk_chars=10_000)
        session = Session(backend, [ReadFile()], workspace=ws, session_id="bench", system_prompt="S",
                          policy=Policy(), writer=TrajectoryWriter(ws / "log.jsonl"), max_turns=steps + 1)
        session.start()
        t0 = time.perf_counter()
        for _ in session.send("go"):
            pass
        per_step = (time.perf_counter() - t0) / (steps + 1)
        session.end()
    overhead = per_step - direct - model
    print(f"(b) overhead  direct read_file: {direct * 1e3:6.3f} ms/step   in a logged session: {per_step * 1e3:6.3f} ms/step "
          f"(scripted model {model * 1e3:.3f} ms)   agent overhead {overhead * 1e3:.3f} ms/step")


def _prompt_messages(n_files: int = 6):
    from agent.messages import Message

    body = "\n".join(f"def function_{i}(x):\n    return x * {i}\n" for i in range(40))
    msgs = [Message(role="system", content="You are a coding agent."), Message(role="user", content="Summarise these files.")]
    for i in range(n_files):
        msgs[-1].content += f"\n\nfile_{i}.py:\n{body}"
    return msgs


def bench_model(max_tokens: int = 128) -> None:
    from agent.backends.embedded import LlamaCppBackend
    from agent.messages import Sampling

    backend = LlamaCppBackend()
    msgs = _prompt_messages()
    tokens = backend.tokenize(backend.render(msgs, []))
    sampling = Sampling(max_tokens=max_tokens, temperature=0.0, seed=1)

    def raw() -> tuple[float, float, int]:
        backend.llm.reset()
        t0 = time.perf_counter()
        first, n = None, 0
        for part in backend.llm.create_completion(tokens, max_tokens=max_tokens, temperature=0.0, seed=1, stream=True):
            if part["choices"][0].get("finish_reason") is None:
                first = first or time.perf_counter()
                n += 1
        return first - t0, time.perf_counter() - first, n

    def ours() -> tuple[float, float, int]:
        backend.llm.reset()
        t0 = time.perf_counter()
        first, n = None, 0
        for chunk in backend.stream(msgs, [], sampling):
            if chunk.kind == "text":
                first = first or time.perf_counter()
            elif chunk.kind == "usage":
                n = chunk.usage.completion_tokens
        return first - t0, time.perf_counter() - first, n

    rows = {"raw llama-cpp-python": [], "limi-cli backend": []}
    for _ in range(3):
        rows["raw llama-cpp-python"].append(raw())
        rows["limi-cli backend"].append(ours())
    print(f"(c) model     embedded SmolLM2-135M Q4_1, prompt {len(tokens)} tokens, up to {max_tokens} new tokens (median of 3)")
    figures = {}
    for name, runs in rows.items():
        pp = statistics.median(len(tokens) / r[0] for r in runs)
        tg = statistics.median((r[2] - 1) / r[1] for r in runs if r[2] > 1)
        figures[name] = (pp, tg)
        print(f"              {name:<22} prompt {pp:7.0f} tok/s   decode {tg:6.1f} tok/s")
    (bp, bt), (op, ot) = figures.values()
    print(f"              ratio (limi-cli / raw)   prompt {op / bp:.2f}x        decode {ot / bt:.2f}x")


def bench_turns(turns: int = 10) -> None:
    from agent.backends.embedded import LlamaCppBackend
    from agent.messages import Message, Sampling, ToolCall
    from agent.tools.registry import default_tools

    backend = LlamaCppBackend()
    specs = [t.spec() for t in default_tools()]
    sampling = Sampling(max_tokens=24, temperature=0.0, seed=1)
    output = "\n".join(f"src/module_{i}.py: def handler_{i}(request): return respond({i})" for i in range(12))

    def session(reset_each_turn: bool) -> list[tuple[int, float, float]]:
        backend.llm.reset()
        msgs = [Message(role="system", content="You are a coding agent."), Message(role="user", content="Explore the repository.")]
        out = []
        for turn in range(turns):
            if reset_each_turn:
                backend.llm.reset()
            t0 = time.perf_counter()
            first = None
            prompt = 0
            for chunk in backend.stream(msgs, specs, sampling):
                if chunk.kind == "text" and first is None:
                    first = time.perf_counter()
                if chunk.kind == "usage":
                    prompt = chunk.usage.prompt_tokens
            total = time.perf_counter() - t0
            out.append((prompt, (first or time.perf_counter()) - t0, total))
            call = ToolCall(id=f"c{turn}", name="grep", arguments={"pattern": f"handler_{turn}"})
            msgs.append(Message(role="assistant", content=f"Searching step {turn}.", tool_calls=[call]))
            msgs.append(Message(role="tool", content=output, tool_call_id=call.id, name="grep"))
        return out

    kept = session(reset_each_turn=False)
    fresh = session(reset_each_turn=True)
    print(f"(d) turns     10-turn session, +~{len(backend.tokenize(output))} tokens of tool output per turn, 24 new tokens per turn")
    print("              turn  prompt tokens   KV kept: first token / turn    KV reset: first token / turn   ratio (turn)")
    for i, ((p, f1, t1), (_, f2, t2)) in enumerate(zip(kept, fresh), 1):
        print(f"              {i:4d}  {p:13d}   {f1 * 1000:10.0f} ms / {t1 * 1000:6.0f} ms    {f2 * 1000:10.0f} ms / {t2 * 1000:6.0f} ms   {t2 / t1:5.2f}x")


SECTIONS = {"startup": bench_startup, "overhead": bench_overhead, "model": bench_model, "turns": bench_turns}

if __name__ == "__main__":
    chosen = sys.argv[1:] or list(SECTIONS)
    print(f"# limi-cli core benchmark  python {sys.version.split()[0]}  cpus {os.cpu_count()}  {time.strftime('%Y-%m-%d %H:%M')}")
    for name in chosen:
        SECTIONS[name]()
