"""``limi-cli acp``: serve the Agent Client Protocol on stdin/stdout for an editor or front end."""

from __future__ import annotations

import argparse

from limi_cli.commands.common import add_session_options, session_overrides, workspace


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "acp", help="serve the Agent Client Protocol on stdio (Zed, JetBrains, Neovim, Toad)",
        description="Run limi-cli as an ACP agent: an editor or terminal front end starts this command and "
        "speaks JSON-RPC on its stdin and stdout. Each session is logged like a chat (mode acp). "
        "The workspace of a session is the cwd the client sends; --cwd is used only to list sessions.",
    )
    add_session_options(p, "the mode sessions start in (default auto-edit); the client can switch it",
                        "most model calls per prompt (default 30)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from limi_cli.acp.server import serve  # the SDK loads here, never for --help

    return serve(session_overrides(args), workspace(args.cwd))
