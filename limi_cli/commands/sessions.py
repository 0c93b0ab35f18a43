"""``limi-cli sessions list|show``."""

from __future__ import annotations

import argparse

from limi_cli.commands.common import add_workspace_options, workspace


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sessions", help="list and show logged sessions")
    add_workspace_options(p)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    ls = actions.add_parser("list", help="sessions of this workspace, newest first")
    ls.add_argument("--json", action="store_true", help="one JSON object a line")
    show = actions.add_parser("show", help="one session's conversation and any problems in its log")
    show.add_argument("session_id", help="a session id or a unique prefix of one")
    show.add_argument("--json", action="store_true", help="print the logged events as JSON lines")
    p.set_defaults(handler=handle, json=False)


def handle(args: argparse.Namespace) -> int:
    from limi_cli.sessions_cmd import list_cmd, show_cmd

    ws = workspace(args.cwd)
    if args.action == "show":
        return show_cmd(ws, args.sessions_dir, args.session_id, args.json)
    return list_cmd(ws, args.sessions_dir, args.json)
