"""``limi-cli undo [STEP]``: put the files back as they were before a step of a session."""

from __future__ import annotations

import argparse

from limi_cli.commands.common import UserError, add_workspace_options, workspace


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("undo", help="restore the files as they were before a step of a session (default: its last step)")
    p.add_argument("step", nargs="?", type=int, help="the checkpoint step to go back to (see --list); default: the last")
    p.add_argument("--session", help="session id or unique prefix (default: the newest session of the workspace)")
    p.add_argument("--list", action="store_true", help="list the session's checkpoints instead of undoing")
    add_workspace_options(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    import time

    from agent.checkpoints import CheckpointError, checkpoints_in_log, describe_undo, undo
    from agent.trajectory import SessionLookupError, find_session, list_sessions, sessions_dir

    ws = workspace(args.cwd)
    directory = sessions_dir(ws, args.sessions_dir)
    try:
        if args.session:
            log_path = find_session(directory, args.session)
        else:
            newest = list_sessions(directory)
            if not newest:
                raise UserError(f"no sessions in {directory}; nothing to undo")
            log_path = newest[0].path
        if args.list:
            checkpoints = checkpoints_in_log(log_path)
            if not checkpoints:
                print(f"session {log_path.stem} has no checkpoints")
            for c in checkpoints:
                when = time.strftime("%H:%M:%S", time.localtime(c.ts))
                print(f"step {c.step:>3}  turn {c.turn:>3}  {when}  before {c.tool} ({c.tool_call_id})  {(c.commit or '')[:12]}")
            return 0
        event = undo(ws, log_path, args.step)
    except (CheckpointError, SessionLookupError) as e:
        raise UserError(str(e)) from None
    print(f"session {log_path.stem}: {describe_undo(event, log_path)} "
          f"(the files just before the undo are kept as {event.backup[:12]} in the checkpoint store)")
    for path in event.restored:
        print(f"  restored {path}")
    for path in event.deleted:
        print(f"  deleted  {path}")
    return 0
