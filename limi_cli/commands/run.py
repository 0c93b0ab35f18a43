"""``limi-cli run``: one task headless."""

from __future__ import annotations

import argparse
import sys

from limi_cli.commands.common import add_session_options, session_overrides, workspace


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run one task headless and exit", description="Run one task headless: nothing ever waits for input.")
    p.add_argument("-p", "--prompt", help="the task; '-' reads it from stdin (a pipe also works without -p)")
    p.add_argument("--output-format", choices=["text", "json", "stream-json"], default="text")
    p.add_argument("--include-partial-messages", action="store_true", help="stream-json: also emit text deltas as they stream")
    p.add_argument("-q", "--quiet", action="store_true", help="text format: print only the final answer")
    add_session_options(p, "what runs without approval; headless refuses the rest (default auto-edit)",
                        "most model calls before stopping (default 30)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from limi_cli.headless import read_task, run_headless

    task = read_task(args.prompt, sys.stdin)
    return run_headless(task, workspace(args.cwd), session_overrides(args), args.output_format, args.include_partial_messages, args.quiet)
