"""``limi-cli chat`` (also ``limi-cli`` with no command): the interactive chat."""

from __future__ import annotations

import argparse

from limi_cli.commands.common import add_session_options, session_overrides, workspace


def add_resume_options(p: argparse.ArgumentParser) -> None:
    """``--continue`` and ``--resume [ID]``: on ``chat`` and on ``limi-cli`` itself."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("-c", "--continue", dest="cont", action="store_true", help="reopen the latest session of this workspace")
    g.add_argument("-r", "--resume", nargs="?", const="", metavar="ID", help="reopen a session (a picker when no ID is given)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chat", help="chat with the agent in the terminal (the default command)",
                       description="The interactive chat: a full-screen app, or plain line mode with --plain "
                       "(used anyway when the terminal cannot host the app).")
    p.add_argument("--plain", action="store_true", help="line mode (prompt-toolkit) instead of the full-screen app")
    add_resume_options(p)
    add_session_options(p, "what runs without asking (default auto-edit); shift+tab cycles it",
                        "most model calls per message (default 30)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from limi_cli.tui.launch import run_chat

    resume = "latest" if args.cont else args.resume  # None: a new session; "": pick one
    return run_chat(workspace(args.cwd), session_overrides(args), plain=args.plain, resume=resume)
