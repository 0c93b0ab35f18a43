"""``limi-cli init``: the chat, opened on ``/init``: the model looks through the repository and
writes a first ``AGENTS.md`` (build and test commands, layout, conventions), which the person
sees as a diff and approves before it is written; the chat then goes on."""

from __future__ import annotations

import argparse

from limi_cli.commands.common import (
    APPROVALS,
    add_model_options,
    add_sandbox_options,
    add_workspace_options,
    model_overrides,
    sandbox_overrides,
    workspace,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="have the model write a first AGENTS.md for this repository",
                       description="Open the chat on /init: the model reads the repository and writes AGENTS.md "
                       "(commands to build and test, layout, conventions); you see the file as a diff and approve "
                       "it before it is written. The chat goes on afterwards.")
    p.add_argument("--plain", action="store_true", help="line mode (prompt-toolkit) instead of the full-screen app")
    p.add_argument("--approval", choices=APPROVALS, help="what runs without asking (default auto-edit); "
                   "the write of AGENTS.md is asked in every mode")
    p.add_argument("--max-turns", type=int, help="most model calls per message (default 30)")
    add_sandbox_options(p)
    add_workspace_options(p)
    add_model_options(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from limi_cli.tui.launch import run_chat

    overrides = {
        **model_overrides(args),
        "max_turns": args.max_turns,
        "approval": args.approval,
        "sessions_dir": args.sessions_dir,
        **sandbox_overrides(args),
    }
    return run_chat(workspace(args.cwd), overrides, plain=args.plain, first="/init")
