"""What the shell's safety costs per call, each figure beside its baseline from the same run.

    .venv/bin/python benchmarks/bench_security.py          # 40 calls of each command each way
    .venv/bin/python benchmarks/bench_security.py 100      # N calls

Times N shell tool calls of ``true`` and of ``echo hi`` three ways, interleaved so that all see
the same machine load: a bare ``bash -c`` (no state kept, nothing reaped: the floor), the shell
tool without a sandbox (state carried between calls, the reaper ends what the command started),
and the shell tool in bubblewrap (the default where bwrap works). Prints medians and ratios.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.sandbox import Sandbox, sandbox_problem  # noqa: E402  (after the path above)
from agent.tools.base import ToolContext  # noqa: E402
from agent.tools.shell import ShellTool  # noqa: E402
from agent.tools.workspace import Workspace  # noqa: E402


def bench(n: int) -> None:
    problem = sandbox_problem()
    with tempfile.TemporaryDirectory() as d:
        ws = Path(d)
        ctx_plain, ctx_box = ToolContext(workspace=Workspace(ws)), ToolContext(workspace=Workspace(ws))
        plain = ShellTool()
        box = ShellTool(Sandbox(ws)) if problem is None else None
        for command in ("true", "echo hi"):
            bare, unsandboxed, sandboxed = [], [], []
            for tool, ctx in ((plain, ctx_plain), (box, ctx_box)):  # warm-up: the first call sets up the state
                if tool is not None:
                    tool.run(tool.Params(command=command), ctx)
            for _ in range(n):
                t0 = time.perf_counter()
                subprocess.run(["bash", "-c", command], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=True)
                bare.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                plain.run(plain.Params(command=command), ctx_plain)
                unsandboxed.append(time.perf_counter() - t0)
                if box is not None:
                    t0 = time.perf_counter()
                    box.run(box.Params(command=command), ctx_box)
                    sandboxed.append(time.perf_counter() - t0)
            b, u = statistics.median(bare), statistics.median(unsandboxed)
            line = (f"shell {command!r:10} x{n}: bare bash -c {b * 1000:6.1f} ms   tool unsandboxed {u * 1000:6.1f} ms "
                    f"({u / b:.2f}x bare)")
            if sandboxed:
                s = statistics.median(sandboxed)
                line += f"   tool sandboxed {s * 1000:6.1f} ms ({s / u:.2f}x unsandboxed, {(s - u) * 1000:+.1f} ms)"
            print(line)
    if problem is not None:
        print(f"no sandboxed figures: {problem}")


if __name__ == "__main__":
    bench(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
