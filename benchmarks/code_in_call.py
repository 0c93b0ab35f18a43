"""Where does the embedded model write better code: inside a write_file call's JSON, or in a fence?

    .venv/bin/python benchmarks/code_in_call.py ADAPTER_DIR [--scales 0,0.5,1] [--format call,fence] [-o out.json]

On the validation split's tasks that create one file (``write-module-*``, ``cli-script-*``; never an
evaluation task), the session's real system prompt and tools are rendered with the task, and the
reply is started for the model (greedy decoding, 400 tokens at most):

- ``call``: ``<tool_call>`` and ``{"name": "write_file", "arguments": {"path": "F", "content": "``:
  the model writes the file as a JSON string, as every demo does, with the tool-call grammar on;
- ``fence``: the call without content, then a fenced ``python`` block: the model writes the
  file as plain code, as it saw code in pre-training.

The file is written into a fresh copy of the task's workspace and the task's own check runs on
it. Each LoRA scale applies the adapter at that strength (0: the base alone). The figures go to
the JSON report as they come.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.config import Config  # noqa: E402
from agent.messages import Message, Sampling  # noqa: E402
from agent.session_builder import system_prompt_for, tools_for  # noqa: E402
from agent.tools.registry import tool_specs  # noqa: E402
from benchmarks.plain_code import judge, target  # noqa: E402
from evaluation.task import load_suite  # noqa: E402

SPLIT = ROOT / "demos" / "families" / "validation"
KINDS = ("write-module", "cli-script")


def tasks() -> list:
    return [t for t in load_suite(str(SPLIT)).tasks if t.id.startswith(KINDS)]


def reply_start(fmt: str, path: str) -> str:
    if fmt == "call":
        return '<tool_call>\n{"name": "write_file", "arguments": {"path": "%s", "content": "' % path
    return f'I write {path}.\n<tool_call>\n{{"name": "write_file", "arguments": {{"path": "{path}"}}}}\n</tool_call>\n```python\n'


def written(backend, fmt: str, messages: list[Message], specs, path: str) -> str:
    """The file the model writes after ``reply_start``."""
    start = reply_start(fmt, path)
    if fmt == "call":
        chunks = backend.stream(messages, specs, Sampling(temperature=0.0, max_tokens=400), start=start)
        calls = [c.call for c in chunks if c.kind == "tool_call"]
        return calls[0].arguments.get("content", "") if calls else ""
    prompt = backend.render(messages, specs) + start
    out = backend.llm.create_completion(prompt=prompt, temperature=0.0, max_tokens=400, stop=["```"], repeat_penalty=1.1)
    return out["choices"][0]["text"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("adapter", type=Path, help="a llama.cpp LoRA adapter directory (limi-cli train output)")
    ap.add_argument("--scales", default="0,0.5,1")
    ap.add_argument("--format", default="call,fence")
    ap.add_argument("-o", "--output", type=Path, default=Path("code_in_call.json"))
    args = ap.parse_args(argv)
    from agent.backends.registry import make_backend

    report: dict = {"adapter": str(args.adapter), "results": []}
    todo = tasks()
    for scale in [float(s) for s in args.scales.split(",")]:
        config = Config(model=str(args.adapter) if scale > 0 else "embedded-base", lora_scale=scale if scale > 0 else None,
                        n_threads=2)
        backend = make_backend(config)
        for fmt in args.format.split(","):
            passed = 0
            for task in todo:
                path = target(task)
                # a fresh empty workspace a task: its path is in the system prompt, as in a session
                with tempfile.TemporaryDirectory(prefix="limi-probe-ws-") as ws:
                    tools = tools_for(config, Path(ws), backend.n_ctx)
                    system = system_prompt_for(config, Path(ws))
                messages = [Message(role="system", content=system), Message(role="user", content=task.instruction)]
                content = written(backend, fmt, messages, tool_specs(tools), path)
                ok, _ = judge(task, content)
                passed += ok
                report["results"].append({"scale": scale, "format": fmt, "task": task.id, "passed": ok, "content": content})
                args.output.write_text(json.dumps(report, indent=1))
            print(f"scale {scale} {fmt}: {passed} of {len(todo)} pass", flush=True)
        backend.llm.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
