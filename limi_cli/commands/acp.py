"""``limi-cli acp``: serve the Agent Client Protocol on stdin/stdout for an editor or front end."""

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
    p = sub.add_parser(
        "acp", help="serve the Agent Client Protocol on stdio (Zed, JetBrains, Neovim, Toad)",
        description="Run limi-cli as an ACP agent: an editor or terminal front end starts this command and "
        "speaks JSON-RPC on its stdin and stdout. Each session is logged like a chat (mode acp). "
        "The workspace of a session is the cwd the client sends; --cwd is used only to list sessions.",
    )
    p.add_argument("--approval", choices=APPROVALS, help="the mode sessions start in (default auto-edit); the client can switch it")
    p.add_argument("--max-turns", type=int, help="most model calls per prompt (default 30)")
    add_sandbox_options(p)
    add_workspace_options(p)
    add_model_options(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from limi_cli.acp.server import serve  # the SDK loads here, never for --help

    overrides = {
        **model_overrides(args),
        "max_turns": args.max_turns,
        "approval": args.approval,
        "sessions_dir": args.sessions_dir,
        **sandbox_overrides(args),
    }
    return serve(overrides, workspace(args.cwd))
