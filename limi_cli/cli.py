"""The ``limi-cli`` command. Parsing is plain argparse so ``--help`` stays instant; each
command lives in :mod:`limi_cli.commands` and imports its work inside its handler."""

from __future__ import annotations

import argparse
import importlib
import sys

from agent import __version__
from limi_cli.commands import COMMANDS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="limi-cli",
        description="A terminal coding agent that logs every session as a trajectory for curation and fine-tuning.",
    )
    parser.add_argument("--version", action="version", version=f"limi-cli {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    from limi_cli.commands.chat import add_resume_options

    add_resume_options(parser)  # `limi-cli --continue`, `limi-cli --resume [ID]`: the chat
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"limi_cli.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # the usage of the command that was given, not the top-level one
        _command_parser(parser, sys.argv[1:] if argv is None else argv).error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command is None:  # no command: the interactive chat, with its defaults
        chat_args = parser.parse_args(["chat"])
        chat_args.cont, chat_args.resume, chat_args.debug = args.cont, args.resume, args.debug
        args = chat_args
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("limi-cli: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # one line for the user; the traceback with --debug
        if args.debug:
            raise
        from limi_cli.errors import user_message

        message, code = user_message(e)
        print(f"limi-cli: error: {message}", file=sys.stderr)
        return code


def _command_parser(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.ArgumentParser:
    """The innermost (sub)command parser that ``argv`` names (``sessions list`` -> its own)."""
    for word in argv:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]  # argparse keeps them only here
        if subs and word in subs[0].choices:
            parser = subs[0].choices[word]
    return parser


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
