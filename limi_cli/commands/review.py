"""``limi-cli review [SESSIONS | DATASET]``: step through trajectories and annotate them.

A full-screen screen shows each step (thought, calls, results); the reviewer rates (1-5),
tags, sets the outcome, redacts spans, cuts the trajectory at a step and marks steps
not-to-train. A session's annotation is saved beside its log (``<id>.annotations.json``),
a dataset row's in a sidecar beside the dataset (``<dataset>.annotations.json``, keyed by
line). Logs and datasets are never written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from limi_cli.commands.common import UserError, add_workspace_options


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "review",
        help="step through trajectories and annotate them (rate, tag, redact, cut, not-to-train)",
        description="Review trajectories step by step in a full-screen app. Inputs: session logs, directories of "
        "them, dataset JSONL files, or session ids (default: this workspace's sessions). Annotations are saved beside "
        "the logs (or in <dataset>.annotations.json, by line); the logs themselves are never written.",
    )
    p.add_argument("inputs", nargs="*", help="session logs, ids, directories or dataset JSONL files")
    add_workspace_options(p)
    p.set_defaults(handler=handle)


def resolve_inputs(inputs: list[str], ws: Path, sessions_dir_override: str | None) -> list[Path]:
    """Paths for the inputs: existing paths as given, anything else looked up as a session id."""
    from agent.session_store import SessionLookupError, find_session, sessions_dir

    directory = sessions_dir(ws, sessions_dir_override)
    if not inputs:
        if not directory.is_dir():
            raise UserError(f"no inputs given and no sessions in {directory}; name logs, ids or dataset files")
        return [directory]
    out = []
    for given in inputs:
        path = Path(given).expanduser()
        if path.exists():
            out.append(path)
            continue
        try:
            out.append(find_session(directory, given))
        except SessionLookupError as e:
            raise UserError(f"{given}: no such file, and {e}") from None
    return out


def handle(args: argparse.Namespace) -> int:
    from limi_cli.commands.common import workspace
    from limi_cli.tui.launch import capable_terminal
    from limi_cli.tui.review_items import load_items

    paths = resolve_inputs(args.inputs, workspace(args.cwd), args.sessions_dir)
    items, problems = load_items(paths)
    for problem in problems:
        print(f"limi-cli: warning: {problem}", file=sys.stderr)
    if not items:
        raise UserError("nothing to review: no session log or dataset row in the inputs")
    if not capable_terminal():
        raise UserError("review needs a terminal for its full-screen app (stdin and stdout a TTY); "
                        "use 'limi-cli data annotate' to annotate from a script")
    from limi_cli.tui.review_app import ReviewApp

    return ReviewApp(items).run() or 0
