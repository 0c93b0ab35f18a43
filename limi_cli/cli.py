"""The ``limi-cli`` command. Parsing is plain argparse so ``--help`` stays instant; every
command imports what it needs inside its own function."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from agent import __version__

APPROVALS = ["read-only", "ask", "auto-edit", "yolo"]


def _add_model_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model")
    g.add_argument("-m", "--model", help="'embedded' (default: SmolLM2-135M-Instruct in-process), a .gguf file, "
                   "a checkpoint directory, or a model name on the server at --base-url")
    g.add_argument("--base-url", help="OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1 (env LIMI_BASE_URL)")
    g.add_argument("--tool-protocol", choices=["auto", "native", "text"], help="how tools reach the model (default auto)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="limi-cli",
        description="A terminal coding agent that logs every session as a trajectory for curation and fine-tuning.",
    )
    parser.add_argument("--version", action="version", version=f"limi-cli {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run one task headless and exit", description="Run one task headless: nothing ever waits for input.")
    run.add_argument("-p", "--prompt", help="the task; '-' reads it from stdin (a pipe also works without -p)")
    run.add_argument("--cwd", type=Path, default=None, help="workspace directory (default: the current directory)")
    run.add_argument("--max-turns", type=int, help="most model calls before stopping (default 30)")
    run.add_argument("--approval", choices=APPROVALS, help="what runs without approval; headless refuses the rest (default auto-edit)")
    run.add_argument("--output-format", choices=["text", "json", "stream-json"], default="text")
    run.add_argument("--include-partial-messages", action="store_true", help="stream-json: also emit text deltas as they stream")
    run.add_argument("-q", "--quiet", action="store_true", help="text format: print only the final answer")
    run.add_argument("--sessions-dir", help="where session logs go (default <workspace>/.limi/sessions)")
    _add_model_options(run)

    sessions = sub.add_parser("sessions", help="list and show logged sessions")
    sessions.add_argument("--cwd", type=Path, default=None, help="workspace directory (default: the current directory)")
    sessions.add_argument("--sessions-dir", help="where session logs are (default <workspace>/.limi/sessions)")
    ssub = sessions.add_subparsers(dest="sessions_command", metavar="ACTION")
    ls = ssub.add_parser("list", help="sessions of this workspace, newest first")
    ls.add_argument("--json", action="store_true", help="one JSON object a line")
    show = ssub.add_parser("show", help="one session's conversation and any problems in its log")
    show.add_argument("session_id", help="a session id or a unique prefix of one")
    show.add_argument("--json", action="store_true", help="print the logged events as JSON lines")

    export = sub.add_parser("export", help="export sessions as LIMI training rows (JSONL)")
    export.add_argument("session_ids", nargs="*", help="session ids or unique prefixes")
    export.add_argument("--all", action="store_true", help="export every session of the workspace")
    export.add_argument("-o", "--output", type=Path, required=True, help="the JSONL file to write")
    export.add_argument("--cwd", type=Path, default=None, help="workspace directory (default: the current directory)")
    export.add_argument("--sessions-dir", help="where session logs are (default <workspace>/.limi/sessions)")
    return parser


def _workspace(path: Path | None) -> Path:
    ws = (path or Path.cwd()).expanduser()
    if not ws.is_dir():
        raise UserError(f"workspace {ws} is not a directory; pass an existing --cwd")
    return ws.resolve()


class UserError(Exception):
    """A mistake the user can fix; printed as one line."""


def _dispatch(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.command == "run":
        from limi_cli.headless import read_task, run_headless

        task = read_task(args.prompt, sys.stdin)
        overrides = {
            "model": args.model,
            "base_url": args.base_url,
            "tool_protocol": args.tool_protocol,
            "max_turns": args.max_turns,
            "approval": args.approval,
            "sessions_dir": args.sessions_dir,
        }
        return run_headless(task, _workspace(args.cwd), overrides, args.output_format, args.include_partial_messages, args.quiet)
    if args.command == "sessions":
        from limi_cli.sessions_cmd import list_cmd, show_cmd

        ws = _workspace(args.cwd)
        if args.sessions_command == "show":
            return show_cmd(ws, args.sessions_dir, args.session_id, args.json)
        return list_cmd(ws, args.sessions_dir, getattr(args, "json", False))
    if args.command == "export":
        from limi_cli.sessions_cmd import export_cmd

        if not args.session_ids and not args.all:
            raise UserError("name the sessions to export (ids or prefixes), or pass --all")
        return export_cmd(_workspace(args.cwd), args.sessions_dir, args.session_ids, args.all, args.output)
    parser.print_help()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(args, parser)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
