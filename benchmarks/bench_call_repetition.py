"""The cost of the repetition guard inside tool calls (agent/backends/repetition.py).

A write_file call of about 4,000 characters of real code (no repetition: the guard checks the
open string at every token to the end, its worst case) is fed token by token, as the llama.cpp
backend's decoding feeds it: the embedded model's tokenizer cuts it, and each token's text goes
to the guard. The baseline is what the decoding did per token before: finding the closing tag
(``_CallEnd``). Prints microseconds per token for both (median of 7 runs).

    .venv/bin/python benchmarks/bench_call_repetition.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent.backends.embedded import _CallEnd  # noqa: E402
from agent.backends.repetition import CallRepetitionGuard  # noqa: E402
from agent.model_files import embedded_gguf_path  # noqa: E402


def pieces() -> list[str]:
    from agent.llama_cpu import import_llama_cpp

    Llama = import_llama_cpp().Llama

    code = (ROOT / "agent" / "backends" / "llama_batch.py").read_text()[:4000]
    call = json.dumps({"name": "write_file", "arguments": {"path": "batch.py", "content": code}})
    vocab = Llama(model_path=str(embedded_gguf_path()), vocab_only=True, verbose=False)
    return [vocab.detokenize([t]).decode("utf-8", "replace") for t in vocab.tokenize(call.encode(), add_bos=False)]


def per_token(run, texts: list[str]) -> float:
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        run(texts)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) / len(texts) * 1e6


def baseline(texts: list[str]) -> None:
    end = _CallEnd()
    for text in texts:
        end.feed(text)


def guarded(texts: list[str]) -> None:
    end, guard = _CallEnd(), CallRepetitionGuard()
    for text in texts:
        end.feed(text)
        guard.feed(text)
    assert not guard.tripped and guard.take() == "".join(texts)


def main() -> None:
    texts = pieces()
    size = sum(map(len, texts))
    base, with_guard = per_token(baseline, texts), per_token(guarded, texts)
    print(f"call of {size:,} characters, {len(texts):,} tokens")
    print(f"closing tag only (before): {base:.1f} us/token")
    print(f"with the call guard:       {with_guard:.1f} us/token (+{with_guard - base:.1f} us/token)")


if __name__ == "__main__":
    main()
