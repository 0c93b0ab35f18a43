"""Options and checks several commands share."""

from __future__ import annotations

import argparse
from pathlib import Path

APPROVALS = ["read-only", "plan", "ask", "auto-edit", "yolo"]


class UserError(Exception):
    """A mistake the user can fix; printed as one line."""


def add_workspace_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cwd", type=Path, default=None, help="workspace directory (default: the current directory)")
    p.add_argument("--sessions-dir", help="where session logs are (default <workspace>/.limi/sessions)")


def add_model_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model")
    g.add_argument("-m", "--model", help="'embedded' (default: SmolLM2-135M-Instruct in-process), a .gguf file, "
                   "a checkpoint directory, or a model name on the server at --base-url")
    g.add_argument("--base-url", help="OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1 (env LIMI_BASE_URL)")
    g.add_argument("--tool-protocol", choices=["auto", "native", "text"], help="how tools reach the model (default auto)")
    g.add_argument("--constrained-tool-calls", action=argparse.BooleanOptionalAction, default=None,
                   help="llama.cpp models: inside <tool_call> the model can only write a valid call to an offered tool "
                        "(a grammar from the tools' schemas; default on, env LIMI_CONSTRAINED_TOOL_CALLS)")


def add_sandbox_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sandbox", nargs="?", const="on", choices=["on", "off", "auto"], default=None,
                   help="shell commands in bubblewrap: the workspace writable, the rest read-only, no network; "
                   "auto (the default): where bwrap works here; --sandbox alone: on")
    p.add_argument("--network", action="store_true", default=None, help="let sandboxed commands use the network")


def sandbox_overrides(args: argparse.Namespace) -> dict:
    return {"sandbox": args.sandbox, "network": args.network}


def model_overrides(args: argparse.Namespace) -> dict:
    """Config overrides from the model options (None: not given on the command line)."""
    return {"model": args.model, "base_url": args.base_url, "tool_protocol": args.tool_protocol,
            "constrained_tool_calls": getattr(args, "constrained_tool_calls", None)}


def add_session_options(p: argparse.ArgumentParser, approval_help: str, max_turns_help: str) -> None:
    """What every command that runs sessions takes: --approval, --max-turns, sandbox, workspace
    and model options (``session_overrides`` reads them back)."""
    p.add_argument("--approval", choices=APPROVALS, help=approval_help)
    p.add_argument("--max-turns", type=int, help=max_turns_help)
    add_sandbox_options(p)
    add_workspace_options(p)
    add_model_options(p)


def session_overrides(args: argparse.Namespace) -> dict:
    """Config overrides from :func:`add_session_options` (None: not given on the command line)."""
    return {**model_overrides(args), "max_turns": args.max_turns, "approval": args.approval,
            "sessions_dir": args.sessions_dir, **sandbox_overrides(args)}


def workspace(path: Path | None) -> Path:
    ws = (path or Path.cwd()).expanduser()
    if not ws.is_dir():
        raise UserError(f"workspace {ws} is not a directory; pass an existing --cwd")
    return ws.resolve()
