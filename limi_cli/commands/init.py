"""``limi-cli init``: the chat, opened on ``/init``: the model looks through the repository and
writes a first ``AGENTS.md`` (build and test commands, layout, conventions), which the person
sees as a diff and approves before it is written; the chat then goes on."""

from __future__ import annotations

import argparse

from limi_cli.commands.common import add_session_options, session_overrides, workspace


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="have the model write a first AGENTS.md for this repository",
                       description="Open the chat on /init: the model reads the repository and writes AGENTS.md "
                       "(commands to build and test, layout, conventions); you see the file as a diff and approve "
                       "it before it is written. The chat goes on afterwards.")
    p.add_argument("--plain", action="store_true", help="line mode (prompt-toolkit) instead of the full-screen app")
    add_session_options(p, "what runs without asking (default auto-edit); the write of AGENTS.md is asked in every mode",
                        "most model calls per message (default 30)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from limi_cli.tui.launch import run_chat

    return run_chat(workspace(args.cwd), session_overrides(args), plain=args.plain, first="/init")
