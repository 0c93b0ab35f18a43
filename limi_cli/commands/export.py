"""``limi-cli export``: sessions to a training set; ``limi-cli data export`` with sessions named by id.

Both commands run the same code (:func:`limi_cli.commands.data.export_and_report`, over
:func:`agent.export.export_dataset`); this one picks the workspace's sessions by id, unique
prefix or ``--all`` instead of taking files.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from limi_cli.commands.common import UserError, add_workspace_options, workspace
from limi_cli.commands.data import add_export_options, export_and_report


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export sessions as LIMI training rows (JSONL), like `data export` by session id",
                       description="Export sessions of this workspace as a training set with a manifest "
                       "(the same code as `limi-cli data export`).")
    p.add_argument("session_ids", nargs="*", help="session ids or unique prefixes")
    p.add_argument("--all", action="store_true", help="export every session of the workspace")
    add_export_options(p)
    add_workspace_options(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    # the session store is imported here, not at the top: command modules load when --help is built
    from agent.session_store import find_session, list_sessions, sessions_dir

    if not args.session_ids and not args.all:
        raise UserError("name the sessions to export (ids or prefixes), or pass --all")
    directory = sessions_dir(workspace(args.cwd), args.sessions_dir)
    if args.all:
        paths: list[Path] = [s.path for s in reversed(list_sessions(directory, subagents=True))] if directory.is_dir() else []
    else:
        paths = [find_session(directory, i) for i in args.session_ids]
    if not paths:
        raise UserError(f"no sessions to export in {directory}")
    return export_and_report(paths, args.output, args.format, args.view)
