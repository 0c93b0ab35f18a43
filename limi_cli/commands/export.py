"""``limi-cli export``: sessions to LIMI training rows."""

from __future__ import annotations

import argparse
from pathlib import Path

from limi_cli.commands.common import UserError, add_workspace_options, workspace


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export sessions as LIMI training rows (JSONL)")
    p.add_argument("session_ids", nargs="*", help="session ids or unique prefixes")
    p.add_argument("--all", action="store_true", help="export every session of the workspace")
    p.add_argument("-o", "--output", type=Path, required=True, help="the JSONL file to write")
    p.add_argument("--view", choices=["full", "compacted"], default="full",
                   help="full: every logged message; compacted: older turns replaced by their compaction summaries")
    add_workspace_options(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from limi_cli.sessions_cmd import export_cmd

    if not args.session_ids and not args.all:
        raise UserError("name the sessions to export (ids or prefixes), or pass --all")
    return export_cmd(workspace(args.cwd), args.sessions_dir, args.session_ids, args.all, args.output, args.view)
