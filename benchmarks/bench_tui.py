"""Is the chat responsive while it streams? Frame latency of the Textual app (headless, Pilot)
while a scripted model streams a long Markdown answer at about 200 tokens/s.

    .venv/bin/python benchmarks/bench_tui.py [seconds]

Measured: (a) the event loop's lag, sampled every 16 ms (a ~60 fps frame clock): how late
each tick runs is how long the UI could not paint or take a key; (b) key latency: time
from a key press to the prompt holding it, while streaming; (c) the stream's own rate as
rendered, against the 200 tokens/s sent. Baseline: the same measures while idle.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textual import events  # noqa: E402

from agent.backends.scripted import ScriptedBackend  # noqa: E402
from agent.messages import Sampling  # noqa: E402
from agent.policy import Policy  # noqa: E402
from agent.session import Session  # noqa: E402
from agent.tools.registry import default_tools  # noqa: E402
from agent.trajectory import TrajectoryWriter  # noqa: E402
from limi_cli.tui.app import ChatApp  # noqa: E402
from limi_cli.tui.history import PromptHistory  # noqa: E402
from limi_cli.tui.widgets.assistant_text import AssistantText  # noqa: E402

TOKENS_PER_S = 200
CHARS_PER_TOKEN = 4
FRAME_S = 1 / 60

PARAGRAPH = ("The parser reads one **token** at a time and keeps a `stack` of open blocks; "
             "each closing tag pops the stack and checks the names match. ")
CODE = "```python\ndef close(stack, name):\n    if stack.pop() != name:\n        raise SyntaxError(name)\n```\n\n"


def answer(tokens: int) -> str:
    parts, size = [], 0
    while size < tokens * CHARS_PER_TOKEN:
        part = f"## Step {len(parts) + 1}\n\n" + PARAGRAPH * 3 + "\n\n- a point\n- another point\n\n" + CODE
        parts.append(part)
        size += len(part)
    return "".join(parts)[: tokens * CHARS_PER_TOKEN]


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] if values else 0.0


async def loop_lag(app: ChatApp, stop: asyncio.Event) -> list[float]:
    lags = []
    while not stop.is_set():
        t = time.perf_counter()
        await asyncio.sleep(FRAME_S)
        lags.append(time.perf_counter() - t - FRAME_S)
    return lags


async def key_latency(pilot, app: ChatApp, stop: asyncio.Event) -> list[float]:
    out = []
    while not stop.is_set():
        before = len(app.prompt.text)
        t = time.perf_counter()
        app.post_message(events.Key("x", "x"))  # as the terminal driver delivers it
        while len(app.prompt.text) == before:
            await asyncio.sleep(0.001)
        out.append(time.perf_counter() - t)
        await asyncio.sleep(0.2)
    return out


async def measure(seconds: float) -> None:
    ws = Path(tempfile.mkdtemp(prefix="bench_tui_"))
    text = answer(int(seconds * TOKENS_PER_S))
    t = time.perf_counter()  # baseline: the scripted stream alone, no UI (sleep granularity included)
    for _ in ScriptedBackend([text], chunk_chars=CHARS_PER_TOKEN, delay_s=1 / TOKENS_PER_S).stream([], [], Sampling()):
        pass
    alone_s = time.perf_counter() - t
    backend = ScriptedBackend([text], chunk_chars=CHARS_PER_TOKEN, delay_s=1 / TOKENS_PER_S)

    def factory(approver, log):
        return Session(backend, default_tools(), workspace=ws, session_id="bench", system_prompt="SYS",
                       policy=Policy(approver=approver), writer=TrajectoryWriter(ws / "log.jsonl"), mode="chat")

    app = ChatApp(factory, ws, history=PromptHistory(None))
    async with app.run_test(size=(120, 40)) as pilot:
        while app.session is None:
            await pilot.pause(0.05)
        # idle baseline
        stop = asyncio.Event()
        lag_task = asyncio.create_task(loop_lag(app, stop))
        keys_task = asyncio.create_task(key_latency(pilot, app, stop))
        await asyncio.sleep(2.0)
        stop.set()
        idle_lag, idle_keys = await lag_task, await keys_task
        app.prompt.clear()
        # streaming
        await app.send("explain the parser")
        stop = asyncio.Event()
        t0 = time.perf_counter()
        lag_task = asyncio.create_task(loop_lag(app, stop))
        keys_task = asyncio.create_task(key_latency(pilot, app, stop))
        while app.turns_done == 0:
            await asyncio.sleep(0.05)
        stream_s = time.perf_counter() - t0
        stop.set()
        lags, keys = await lag_task, await keys_task
        shown = len(app.query_one(AssistantText).source or "")
    ms = lambda v: f"{v * 1000:7.1f} ms"  # noqa: E731
    print(f"streamed {len(text) // CHARS_PER_TOKEN} tokens at {TOKENS_PER_S} tokens/s (sent), {len(text)} chars")
    print(f"{'':28}{'p50':>10}{'p95':>10}{'max':>10}")
    for name, values in [("loop lag, idle", idle_lag), ("loop lag, streaming", lags),
                         ("key latency, idle", idle_keys), ("key latency, streaming", keys)]:
        print(f"{name:28}{ms(statistics.median(values) if values else 0)}{ms(pct(values, 0.95))}{ms(max(values or [0]))}")
    rate = len(text) / CHARS_PER_TOKEN / stream_s
    print(f"rendered {shown}/{len(text)} chars in {stream_s:.2f}s: {rate:.0f} tokens/s end to end; "
          f"the scripted stream alone: {alone_s:.2f}s ({len(text) / CHARS_PER_TOKEN / alone_s:.0f} tokens/s)")
    frames_late = sum(lag > FRAME_S for lag in lags)
    print(f"ticks later than a frame (16.7 ms) while streaming: {frames_late}/{len(lags)}")


if __name__ == "__main__":
    asyncio.run(measure(float(sys.argv[1]) if len(sys.argv) > 1 else 8.0))
