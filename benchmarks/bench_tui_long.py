"""Do long chat sessions stay fast? A scripted session of 2,000 logged events (tool calls, edits
with their diffs, Markdown answers) in the Textual app, headless (Pilot), against a real
Session, real tools and a real log.

    .venv/bin/python benchmarks/bench_tui_long.py [--events 2000] [--window 6] [--no-baseline] [--source paced|sleep]

Two variants, each in its own process (so one's memory does not flatter the other), same run:

- ``now``: the app as it is (only the last ChatView.MAX_LIVE blocks mounted, the streamed
  answer appended at most every AssistantText.FLUSH_S, the GIL switch interval at 1 ms, a
  resumed log builds its tail only);
- ``baseline``: the app before that: every block stays mounted (ChatView.MAX_LIVE = None),
  every streamed fragment is appended as soon as the last append is done (Textual's
  MarkdownStream), Python's 5 ms switch interval; a resumed log builds every block (with one
  mount, which is faster than the block-by-block mounting it replaced, so the baseline is
  flattered there).

The streamed answer's source (``--source``): ``paced`` (default) puts token i out at start + i/200 s,
as a server's stream arrives however busy the client is; ``sleep`` sleeps 1/200 s after each token,
so every wait of the model thread for the GIL slows the stream itself (the figure before
2026-12-01).

Each variant: (1) a Markdown answer streamed at 200 tokens/s into the fresh chat, measuring key
latency (a key posted every 200 ms, as the terminal driver posts it, until the prompt holds
it), event-loop lag (a 16 ms ticker), the rendered rate against the stream's own rate measured
alone in the same process, and repaints (Compositor full-screen updates, and the cells of the
partial ones); (2) turns of read_file + edit (a diff) + a Markdown answer until the log holds
the events asked for, sampling memory (RSS after a gc) and mounted widgets as it goes; (3) the
same streamed answer again, at the end; (4) the app closed and the log resumed in a new app:
the time from starting it to the first frame that shows the last block.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import psutil  # noqa: E402
from textual._compositor import Compositor  # noqa: E402
from textual.widgets import Markdown  # noqa: E402
from textual.widgets._markdown import MarkdownStream  # noqa: E402

from agent.backends.scripted import ScriptedBackend  # noqa: E402
from agent.config import Config  # noqa: E402
from agent.messages import Sampling  # noqa: E402
from agent.policy import Policy  # noqa: E402
from agent.session import Session  # noqa: E402
from agent.session_builder import resume_session  # noqa: E402
from agent.tools.registry import default_tools  # noqa: E402
from agent.trajectory import TrajectoryWriter  # noqa: E402
from bench_tui import CHARS_PER_TOKEN, TOKENS_PER_S, answer, key_latency, loop_lag, pct  # noqa: E402
from limi_cli.tui import transcript as transcript_module  # noqa: E402
from limi_cli.tui.app import ChatApp  # noqa: E402
from limi_cli.tui.history import PromptHistory  # noqa: E402
from limi_cli.tui.widgets import assistant_text  # noqa: E402
from limi_cli.tui.widgets.assistant_text import AssistantText  # noqa: E402
from limi_cli.tui.widgets.chat_view import ChatView  # noqa: E402

SIZE = (120, 40)
SAMPLE_EVERY = 250  # logged events between memory samples
OLD_SWITCH_INTERVAL_S = 0.005  # Python's default, which the app used to keep


def call(name: str, **arguments) -> str:
    return f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>'


def step_replies(i: int) -> list[str]:
    """One bulk turn: read the file, edit it (the result is a diff), answer in Markdown: 6 logged events."""
    return [f"Let me look at `counter.py` (step {i}).\n" + call("read_file", path="counter.py"),
            "Bump the counter.\n" + call("edit", path="counter.py", old_string=f"COUNT = {i}",
                                          new_string=f"COUNT = {i + 1}"),
            f"## Step {i}\n\nThe counter is now **{i + 1}**:\n\n- read `counter.py`\n- changed `COUNT` "
            f"from {i} to {i + 1}\n\n```python\nCOUNT = {i + 1}\n```\n\nNothing else changed; the tests still pass.\n"]


class Repaints:
    """Counts the compositor's screen updates: full-screen ones, and partial ones with their cells."""

    def __init__(self) -> None:
        self.reset()
        full, partial, counter = Compositor.render_full_update, Compositor.render_partial_update, self

        def render_full_update(compositor, *args, **kwargs):
            counter.full += 1
            return full(compositor, *args, **kwargs)

        def render_partial_update(compositor):
            update = partial(compositor)
            if update is not None:
                counter.partial += 1
                counter.cells += sum(x2 - x1 for _, x1, x2 in update.spans)
            return update

        Compositor.render_full_update = render_full_update  # type: ignore[method-assign]
        Compositor.render_partial_update = render_partial_update  # type: ignore[method-assign]

    def reset(self) -> None:
        self.full = self.partial = self.cells = 0

    @property
    def frames(self) -> int:
        return self.full + self.partial


class OldStream(MarkdownStream):
    """The baseline's streaming: Textual's MarkdownStream (appends again as soon as an append is done)."""

    def __init__(self, markdown, interval: float):
        super().__init__(markdown)
        self.start()

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()


def rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


def logged(log: Path) -> int:
    with log.open("rb") as f:
        return sum(1 for _ in f)


class TimedBackend(ScriptedBackend):
    """A scripted model that notes when its first and last chunk of each reply came out."""

    def stream(self, messages, tools, sampling):
        self.first = self.last = None
        for chunk in super().stream(messages, tools, sampling):
            self.last = time.perf_counter()
            self.first = self.first or self.last
            yield chunk


class Appends:
    """When the streamed answer was appended to its Markdown, and how long it was then."""

    def __init__(self) -> None:
        self.times: list[tuple[float, int]] = []
        append, appends = Markdown.append, self

        def timed_append(markdown, fragment):
            done = append(markdown, fragment)
            if isinstance(markdown, AssistantText):
                appends.times.append((time.perf_counter(), len(markdown._markdown)))
            return done

        Markdown.append = timed_append  # type: ignore[method-assign]


def thread_cpu_s(native_id: int) -> float:
    for t in psutil.Process().threads():
        if t.id == native_id:
            return t.user_time + t.system_time
    return 0.0


def stream_alone(text: str, paced: bool) -> float:
    """The scripted stream's own rate (first to last chunk, tokens/s), no UI, its sleep granularity included."""
    backend = TimedBackend([text], chunk_chars=CHARS_PER_TOKEN, delay_s=1 / TOKENS_PER_S, paced=paced)
    for _ in backend.stream([], [], Sampling()):
        pass
    return len(text) / CHARS_PER_TOKEN / (backend.last - backend.first)


async def streamed_window(app: ChatApp, backend: TimedBackend, text: str, repaints: Repaints, appends: Appends) -> dict:
    alone = await asyncio.to_thread(stream_alone, text, backend.paced)  # just before, the chat idle, as loaded as the machine is now
    backend.replies.append(text)
    backend.chunk_chars, backend.delay_s = CHARS_PER_TOKEN, 1 / TOKENS_PER_S
    done = app.turns_done
    main_thread = threading.main_thread().native_id
    cpu0, t0 = thread_cpu_s(main_thread), time.perf_counter()
    await app.send("explain the parser")
    repaints.reset()
    appends.times.clear()
    stop = asyncio.Event()
    lag_task = asyncio.create_task(loop_lag(app, stop))
    keys_task = asyncio.create_task(key_latency(None, app, stop))
    while app.turns_done == done:
        await asyncio.sleep(0.01)
    elapsed, cpu = time.perf_counter() - t0, thread_cpu_s(main_thread) - cpu0
    stop.set()
    lags, keys = await lag_task, await keys_task
    frames, full, cells = repaints.frames, repaints.full, repaints.cells
    app.prompt.clear()
    shown = app.query(AssistantText).last().source
    (t_first, n_first), (t_last, n_last) = appends.times[0], appends.times[-1]
    tokens = len(text) / CHARS_PER_TOKEN
    return {"turn_s": elapsed, "complete": shown == text, "appends": len(appends.times), "alone_tokens_per_s": alone,
            "model_tokens_per_s": tokens / (backend.last - backend.first),
            "rendered_tokens_per_s": (n_last - n_first) / CHARS_PER_TOKEN / (t_last - t_first),
            "last_shown_after_ms": 1000 * (t_last - backend.last),
            "ui_cpu_share": cpu / elapsed,
            "key_p50_ms": 1000 * statistics.median(keys), "key_p95_ms": 1000 * pct(keys, 0.95),
            "key_max_ms": 1000 * max(keys), "keys": len(keys),
            "lag_p95_ms": 1000 * pct(lags, 0.95), "lag_max_ms": 1000 * max(lags),
            "frames": frames, "full_repaints": full, "cells_per_frame": cells / max(1, frames),
            "screen_cells": SIZE[0] * SIZE[1]}


async def measure(variant: str, events: int, window_s: float, source: str = "paced") -> dict:
    if variant == "baseline":
        ChatView.MAX_LIVE = None
        assistant_text.ThrottledStream = OldStream  # type: ignore[misc]
    repaints, appends = Repaints(), Appends()
    ws = Path(tempfile.mkdtemp(prefix="bench_tui_long_"))
    (ws / "counter.py").write_text("COUNT = 0\n")
    text = answer(int(window_s * TOKENS_PER_S))
    backend = TimedBackend([], paced=source == "paced")
    log = ws / "log.jsonl"

    def factory(approver, path):
        if path is not None:
            return resume_session(Config(approval="yolo"), ws, path, backend=backend, approver=approver)
        return Session(backend, default_tools(), workspace=ws, session_id="bench-long", system_prompt="SYS",
                       policy=Policy(mode="yolo", approver=approver), writer=TrajectoryWriter(log), mode="chat")

    out: dict = {"variant": variant, "source": source, "samples": []}
    rss0 = rss_mb()
    app = ChatApp(factory, ws, history=PromptHistory(None))
    async with app.run_test(size=SIZE):
        while app.session is None:
            await asyncio.sleep(0.05)
        if variant == "baseline":
            sys.setswitchinterval(OLD_SWITCH_INTERVAL_S)
        view = app.query_one(ChatView)
        out["start"] = await streamed_window(app, backend, text, repaints, appends)
        step, since, turn_s = 0, time.perf_counter(), []
        next_sample = SAMPLE_EVERY
        while (n := logged(log)) < events:
            backend.replies += step_replies(step)
            backend.chunk_chars, backend.delay_s = 64, 0.0
            done, t = app.turns_done, time.perf_counter()
            await app.send(f"step {step}")
            while app.turns_done == done:
                await asyncio.sleep(0.002)
            turn_s.append(time.perf_counter() - t)
            step += 1
            if n >= next_sample:
                widgets = sum(1 for _ in app.screen.walk_children())
                out["samples"].append({"events": n, "rss_mb": rss_mb() - rss0, "widgets": widgets,
                                       "blocks": len(view.blocks), "turn_ms": 1000 * statistics.median(turn_s)})
                turn_s = []
                next_sample += SAMPLE_EVERY
        out["bulk_s"] = time.perf_counter() - since
        out["end"] = await streamed_window(app, backend, text, repaints, appends)
        out["events"] = logged(log)
        out["blocks_mounted"], out["blocks_earlier"] = len(view.blocks), len(view.earlier)
        out["widgets"] = sum(1 for _ in app.screen.walk_children())
    out["resume"] = await resume(ws, log, factory, repaints)
    return out


async def resume(ws: Path, log: Path, factory, repaints: Repaints) -> dict:
    replay_s: list[float] = []
    replay = transcript_module.Transcript.replay

    async def timed_replay(self, events):
        t = time.perf_counter()
        await replay(self, events)
        replay_s.append(time.perf_counter() - t)

    transcript_module.Transcript.replay = timed_replay  # type: ignore[method-assign]
    app = ChatApp(factory, ws, resume=log, history=PromptHistory(None))
    t0 = time.perf_counter()
    async with app.run_test(size=SIZE):
        view = app.query_one(ChatView)

        def shown() -> bool:
            blocks = view.blocks
            return bool(blocks) and "resumed session" in getattr(blocks[-1], "text", "")

        while not shown():
            await asyncio.sleep(0.002)
        frames = repaints.frames
        while repaints.frames == frames:  # the first frame drawn with it
            await asyncio.sleep(0.002)
        elapsed = time.perf_counter() - t0
        last = view.blocks[-1]
        on_screen = view.region.contains_region(last.region) if last.region.height else False
        return {"s": elapsed, "replay_s": replay_s[0] if replay_s else None, "blocks_mounted": len(view.blocks),
                "last_block_on_screen": on_screen}


def report(results: list[dict]) -> None:
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    names = [r["variant"] for r in results]
    row = lambda label, values: print(f"{label:46}" + "".join(f"{v:>18}" for v in values))  # noqa: E731
    row("", names)
    row("logged events", [str(r["events"]) for r in results])
    for phase in ("start", "end"):
        row(f"[{phase}] key latency p50 / p95 / max (ms)",
            [f"{r[phase]['key_p50_ms']:.0f} / {r[phase]['key_p95_ms']:.0f} / {r[phase]['key_max_ms']:.0f}"
             for r in results])
        row(f"[{phase}] loop lag p95 / max (ms)",
            [f"{r[phase]['lag_p95_ms']:.0f} / {r[phase]['lag_max_ms']:.0f}" for r in results])
        row(f"[{phase}] rendered / stream alone (tokens/s)",
            [f"{r[phase]['rendered_tokens_per_s']:.0f}/{r[phase]['alone_tokens_per_s']:.0f} = "
             f"{r[phase]['rendered_tokens_per_s'] / r[phase]['alone_tokens_per_s']:.2f}x" for r in results])
        windows = [r[phase] for r in results]
        row(f"[{phase}] model thread in the app (tokens/s)",
            [f"{w['model_tokens_per_s']:.0f} = {w['model_tokens_per_s'] / w['alone_tokens_per_s']:.2f}x" for w in windows])
        row(f"[{phase}] rendered / model thread",
            [f"{w['rendered_tokens_per_s'] / w['model_tokens_per_s']:.2f}x" for w in windows])
        row(f"[{phase}] last text shown after the last token (ms)",
            [f"{r[phase]['last_shown_after_ms']:.0f}" for r in results])
        row(f"[{phase}] UI thread CPU, Markdown appends",
            [f"{100 * r[phase]['ui_cpu_share']:.0f}%, {r[phase]['appends']}" for r in results])
        row(f"[{phase}] answer shown whole", [str(r[phase]["complete"]) for r in results])
        row(f"[{phase}] frames, full-screen repaints",
            [f"{r[phase]['frames']}, {r[phase]['full_repaints']}" for r in results])
        row(f"[{phase}] cells per frame (screen {SIZE[0]}x{SIZE[1]})",
            [f"{r[phase]['cells_per_frame']:.0f} ({100 * r[phase]['cells_per_frame'] / r[phase]['screen_cells']:.0f}%)"
             for r in results])
    row("bulk turns: wall (s)", [f"{r['bulk_s']:.0f}" for r in results])
    for r in results:
        s = r["samples"]
        if len(s) >= 2:
            first, last = s[0], s[-1]
            r["mb_per_1000"] = 1000 * (last["rss_mb"] - first["rss_mb"]) / (last["events"] - first["events"])
    row("memory growth (MB per 1,000 events)", [f"{r.get('mb_per_1000', float('nan')):.1f}" for r in results])
    row("widgets at the end (blocks mounted/earlier)",
        [f"{r['widgets']} ({r['blocks_mounted']}/{r['blocks_earlier']})" for r in results])
    row("resume: first frame with the last block (s)", [f"{r['resume']['s']:.2f}" for r in results])
    row("resume: replay alone (s), blocks mounted",
        [f"{r['resume']['replay_s']:.2f}, {r['resume']['blocks_mounted']}" for r in results])
    print("\nsamples (events: RSS growth MB, widgets, blocks mounted, median turn ms):")
    for r in results:
        print(f"  {r['variant']}: " + "; ".join(f"{s['events']}: {s['rss_mb']:.0f} MB, {s['widgets']}, {s['blocks']}, "
                                               f"{s['turn_ms']:.0f} ms" for s in r["samples"]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--window", type=float, default=6.0,
                    help="seconds of streaming at 200 tokens/s, at the start and the end")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--source", choices=["paced", "sleep"], default="paced",
                    help="paced: token i comes out at start + i/200 s, as a server's stream arrives (default); "
                         "sleep: 1/200 s after the last one, so any wait for the GIL slows the stream itself")
    ap.add_argument("--variant", choices=["now", "baseline"], help=argparse.SUPPRESS)  # one variant, JSON out
    args = ap.parse_args()
    if args.variant:
        print(json.dumps(asyncio.run(measure(args.variant, args.events, args.window, args.source))))
        return
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores; "
          f"source: {args.source}")
    results = []
    for variant in ["now"] + ([] if args.no_baseline else ["baseline"]):
        t = time.perf_counter()
        done = subprocess.run([sys.executable, __file__, "--variant", variant, "--events", str(args.events),
                               "--window", str(args.window), "--source", args.source], capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"{variant} failed:\n{done.stderr[-3000:]}")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"{variant}: {time.perf_counter() - t:.0f} s", flush=True)
    report(results)


if __name__ == "__main__":
    main()
