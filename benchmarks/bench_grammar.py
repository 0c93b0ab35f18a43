"""What grammar-constrained tool calls cost in decoding speed, and what they buy in valid calls.

    .venv/bin/python benchmarks/bench_grammar.py                 # 6 prompts x 3 rounds
    .venv/bin/python benchmarks/bench_grammar.py --rounds 1 --max-tokens 48

The embedded model (SmolLM2-135M-Instruct, GGUF, the seven core tools in the prompt) is made to
write a call: each reply is started with ``<tool_call>`` (a prefill), and the model writes the
call's JSON, constrained (``constrained_tool_calls = true``: llama.cpp samples under the grammar
built from the tools' schemas) and unconstrained, on the same prompts with the same seeds, side by
side. The prompt is evaluated once before the runs (llama.cpp keeps it in its KV cache), so each
run's time is decoding: its tokens divided by its wall time, the grammar's set-up included.

Printed: tokens/s of each (median over rounds per prompt, then over prompts), the ratio, and
how many of the calls were valid: parsed, naming an offered tool, and accepted by that tool's
parameter model (what the session checks before it runs a call).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TASKS = [
    "Read the file README.md.",
    "List the files in the src directory.",
    "Run the tests with pytest.",
    "Find where the function main is defined.",
    "Replace 'range(n)' with 'range(n + 1)' in mathops.py.",
    "Create hello.py that prints hello.",
]


def valid(call, tools) -> bool:
    """Parsed, a known tool, arguments its parameter model accepts."""
    from pydantic import ValidationError

    if call.error or call.name not in tools:
        return False
    try:
        tools[call.name].Params.model_validate(call.arguments)
    except ValidationError:
        return False
    return True


def run_once(backend, messages, specs, sampling, constrained: bool):
    backend.constrained_tool_calls = constrained
    t0 = time.perf_counter()
    chunks = list(backend.stream(messages, specs, sampling, start="<tool_call>\n"))
    wall = time.perf_counter() - t0
    usage = chunks[-1].usage
    calls = [c.call for c in chunks if c.kind == "tool_call"]
    return usage.completion_tokens, wall, calls


def main() -> None:
    from agent.backends.embedded import LlamaCppBackend
    from agent.messages import Message, Sampling
    from agent.tools.registry import CORE_TOOLS, select_tools, tool_specs

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--max-tokens", type=int, default=64)
    args = ap.parse_args()

    backend = LlamaCppBackend(None)
    backend.tool_prompt = "brief"  # what a session on the embedded model uses
    tools = {t.name: t for t in select_tools(CORE_TOOLS)}
    specs = tool_specs(tools.values())
    system = Message(role="system", content="You are a coding agent. Use the tools to do the task.")
    t0 = time.perf_counter()
    backend.call_grammar(specs)
    print(f"grammar for {len(specs)} tools built and checked in {1000 * (time.perf_counter() - t0):.0f} ms (once per tool set)")

    rows, valid_counts = [], {True: 0, False: 0}
    runs = 0
    for task in TASKS:
        messages = [system, Message(role="user", content=task)]
        list(backend.stream(messages, specs, Sampling(max_tokens=1), start="<tool_call>\n"))  # prompt into the KV cache
        rates: dict[bool, list[float]] = {True: [], False: []}
        for r in range(args.rounds):
            sampling = Sampling(max_tokens=args.max_tokens, seed=1000 + r)
            for constrained in ((True, False) if r % 2 == 0 else (False, True)):  # alternate who goes first
                tokens, wall, calls = run_once(backend, messages, specs, sampling, constrained)
                rates[constrained].append(tokens / wall)
                valid_counts[constrained] += bool(calls) and valid(calls[0], tools)
            runs += 1
        on, off = statistics.median(rates[True]), statistics.median(rates[False])
        rows.append((task, on, off))
        print(f"{task[:48]:48}  constrained {on:6.1f} tok/s   free {off:6.1f} tok/s   ratio {on / off:.2f}", flush=True)

    on = statistics.median(r[1] for r in rows)
    off = statistics.median(r[2] for r in rows)
    print()
    print(f"median over {len(rows)} prompts x {args.rounds} rounds: constrained {on:.1f} tok/s, free {off:.1f} tok/s, "
          f"ratio {on / off:.2f}x")
    print(f"valid calls: constrained {valid_counts[True]}/{runs}, free {valid_counts[False]}/{runs}")


if __name__ == "__main__":
    main()
