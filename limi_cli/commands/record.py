"""``limi-cli record``: an expert demonstration, headless from a steps file, or interactive
in the TUI (no ``--steps``: the model proposes each step, the expert accepts, edits or writes it).

The expert is the policy: the steps file says what to think and which tools to call, the
tools really run (in yolo mode by default: everything inside the workspace), and the
session is logged like any other. The label goes to ``<session>.annotations.json``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from limi_cli.commands.common import APPROVALS, UserError, add_model_options, add_workspace_options, model_overrides, workspace

OUTCOMES = ["success", "partial", "fail"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "record",
        help="record an expert demonstration, in the TUI or from a steps file (tools really run)",
        description="Record an expert demonstration: the expert is the policy, the tools really run, the log is a normal "
        "session log. Without --steps a full-screen app asks the expert at each step (accept, edit or write the "
        "model's proposal); with --steps the steps file is played headless.",
    )
    task = p.add_mutually_exclusive_group()
    task.add_argument("--task", help="the task (default: the steps file's 'task')")
    task.add_argument("--task-file", type=Path, help="read the task from this file")
    p.add_argument("--steps", type=Path, help="the steps file (YAML): thought + tool calls, or an answer, per step "
                   "(without it: interactive, in the TUI)")
    p.add_argument("--no-propose", action="store_true", help="interactive: no model proposals, the expert writes every step")
    p.add_argument("--approval", choices=APPROVALS, default="yolo", help="what runs (default yolo: everything, inside the workspace)")
    p.add_argument("--stop-on-error", action="store_true", help="stop when a tool fails instead of playing the remaining steps")
    g = p.add_argument_group("label (override the steps file's 'label')")
    g.add_argument("--outcome", choices=OUTCOMES)
    g.add_argument("--quality", type=int, choices=range(1, 6), metavar="1-5")
    g.add_argument("--tag", action="append", dest="tags", help="a tag (repeatable)")
    g.add_argument("--notes")
    add_workspace_options(p)
    add_model_options(p)  # the model that proposes, for 'propose' steps
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from agent.backends.demonstration import DemonstrationBackend
    from agent.config import load_config
    from agent.curation.recording import record_demonstration, save_label
    from agent.curation.steps_file import StepsFileError, check_tools, load_steps
    from agent.session_builder import build_session, tools_for
    from limi_cli.chat.outcomes import EXIT_DONE, EXIT_ERROR, EXIT_INTERRUPTED

    ws = workspace(args.cwd)
    if args.steps is None:
        return _interactive(args, ws)
    try:
        script = load_steps(args.steps)
    except StepsFileError as e:
        raise UserError(str(e)) from None
    task = _task(args, script.task)
    model_steps = sum(s.kind != "user" for s in script.steps)
    overrides = {**model_overrides(args), "approval": args.approval, "sessions_dir": args.sessions_dir,
                 "max_turns": max(model_steps, 1)}
    config = load_config(ws, overrides)
    # the tools the target model (--model, default the embedded one) is offered: demos train on that prompt
    tools = tools_for(config, ws)
    problems = check_tools(script, {t.name: t for t in tools})
    if problems:
        for problem in problems[1:]:
            print(f"limi-cli: error: {problem}", file=sys.stderr)
        raise UserError(problems[0])
    label = _label(args, script.label, args.steps)

    proposer = None
    if any(s.kind == "propose" for s in script.steps):
        from agent.backends.registry import make_backend

        proposer = make_backend(config)
    backend = DemonstrationBackend(script.steps, proposer, source=str(args.steps))
    session = build_session(config, ws, backend=backend, tools=tools, mode="record")
    recording = record_demonstration(session, backend, script.exchanges(task), stop_on_error=args.stop_on_error,
                                     on_event=_progress)
    ended = recording.ended
    if recording.unexpected_failures and label.get("outcome", "success") == "success":
        # a demo whose steps did not run as written is not the success its steps file claims
        label = {**label, "outcome": "fail",
                 "notes": "; ".join(filter(None, [label.get("notes"), f"{recording.unexpected_failures} step(s) failed "
                                                  "that the steps file does not mark expect_error"]))}
    if recording.log_path is not None and label:
        recording.annotation_path = save_label(recording.log_path, session.session_id, label)
    for failure in recording.failed_steps:
        print(f"limi-cli: {'note' if failure.endswith('(expected)') else 'error'}: tool failed at {failure}", file=sys.stderr)
    print(f"recorded session {session.session_id}: {ended.reason}, {ended.turns} steps, {ended.tool_calls} tool calls "
          f"({ended.tool_errors} errors)")
    print(f"log: {recording.log_path}")
    if recording.annotation_path:
        print(f"annotation: {recording.annotation_path}")
    if ended.error:
        print(f"limi-cli: error: {ended.error}", file=sys.stderr)
    if recording.unexpected_failures and ended.reason == "done":
        print(f"limi-cli: error: {recording.unexpected_failures} step(s) failed unexpectedly; labelled outcome "
              f"{label.get('outcome')!r}. Fix the steps, or mark a step that fails on purpose with expect_error: true",
              file=sys.stderr)
        return EXIT_ERROR
    return {"done": EXIT_DONE, "interrupted": EXIT_INTERRUPTED}.get(ended.reason, EXIT_ERROR)


def _interactive(args: argparse.Namespace, ws: Path) -> int:
    """The TUI recording: the model proposes, the expert decides, the label is asked at the end."""
    from agent.config import load_config
    from limi_cli.chat.factory import RecordSessionFactory
    from limi_cli.tui.launch import capable_terminal

    task = _task(args, None)
    if not capable_terminal():
        raise UserError("interactive record needs a terminal (stdin and stdout a TTY); pass --steps FILE to record headless")
    overrides = {**model_overrides(args), "approval": args.approval, "sessions_dir": args.sessions_dir, "max_turns": 200}
    config = load_config(ws, overrides)
    from limi_cli.tui.record_app import RecordApp

    app = RecordApp(RecordSessionFactory(config, ws, propose=not args.no_propose), ws, task, context_window=config.n_ctx)
    code = app.run() or 0
    if app.log_path is not None:
        print(f"log: {app.log_path}")
    if app.annotation_path is not None:
        print(f"annotation: {app.annotation_path}")
    return code


def _task(args: argparse.Namespace, from_file: str | None) -> str:
    if args.task_file is not None:
        try:
            text = args.task_file.read_text(encoding="utf-8")
        except OSError as e:
            raise UserError(f"{args.task_file}: cannot read the task file: {e.strerror or e}") from None
    else:
        text = args.task or from_file or ""
    if not text.strip():
        raise UserError("no task: pass --task or --task-file (or put 'task:' in the steps file)")
    return text.strip()


def _label(args: argparse.Namespace, from_file: dict, steps_path: Path) -> dict:
    """The label: the steps file's, each flag given overriding it; checked here so a bad
    value is reported before anything runs."""
    from pydantic import ValidationError

    from agent.curation.annotations import Annotation

    label = {k: v for k, v in from_file.items() if k in ("outcome", "quality", "tags", "notes")}
    unknown = set(from_file) - set(label)
    if unknown:
        raise UserError(f"{steps_path}: label: unknown key(s) {', '.join(sorted(unknown))}; use outcome, quality, tags, notes")
    for key in ("outcome", "quality", "tags", "notes"):
        if getattr(args, key) is not None:
            label[key] = getattr(args, key)
    try:
        Annotation(session_id="check", **label)
    except ValidationError as e:
        err = e.errors()[0]
        raise UserError(f"{steps_path}: label: {'.'.join(map(str, err['loc']))}: {err['msg']}") from None
    return label


def _progress(event) -> None:
    from agent.redact import default_redactor
    from limi_cli.headless import _progress as trace

    trace(event, default_redactor())
