"""``limi-cli data``: validate, stats, filter, dedupe, scrub, split, export, import, annotate, harvest.

Inputs are session logs, directories of them, dataset JSONL files, LIMI JSON or ATIF
files; with none, the workspace's sessions. They are all read by one reader
(:mod:`agent.curation.dataset_io`). Annotations beside logs are applied as the logs are read;
the logs themselves are never written.

The work is imported inside each handler, not at the top: every command module is loaded to
build ``limi-cli --help``, which must stay instant (reading the curation modules costs ~0.1 s).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from limi_cli.commands.common import UserError, add_workspace_options, workspace

OUTCOMES = ["success", "partial", "fail"]
FORMATS = ["limi", "parquet", "slime", "sharegpt", "atif"]  # agent.export.FORMATS (not imported: start-up)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="curate sessions and datasets into training sets",
                       description="Curate sessions and datasets. Inputs: session logs, directories, dataset JSONL, "
                       "LIMI JSON or ATIF files (default: this workspace's sessions).")
    actions = p.add_subparsers(dest="action", metavar="ACTION")

    def action(name: str, help: str, inputs: bool = True) -> argparse.ArgumentParser:
        a = actions.add_parser(name, help=help, description=help)
        if inputs:
            a.add_argument("inputs", nargs="*", type=Path, help="files or directories (default: the workspace's sessions)")
        add_workspace_options(a)
        a.set_defaults(handler=handle)
        return a

    action("validate", "check logs and dataset rows: call/result ids, argument schemas, role order (file:line each)")
    a = action("stats", "sessions, turns, tool calls per tool, error rate, tokens, outcome and quality")
    _token_options(a)
    a.add_argument("--json", action="store_true", help="print one JSON object")
    a = action("filter", "keep the rows (sessions, dataset rows) that match")
    a.add_argument("-o", "--output", type=Path, required=True, help="the dataset JSONL to write")
    a.add_argument("--outcome", action="append", choices=OUTCOMES, help="keep these outcomes (repeatable)")
    a.add_argument("--min-quality", type=int, choices=range(1, 6), metavar="1-5")
    a.add_argument("--tag", action="append", dest="tags", help="keep those with this tag (repeatable: all of them)")
    a.add_argument("--tool", action="append", dest="tools", help="keep those that call this tool (repeatable: all of them)")
    a.add_argument("--min-tokens", type=int)
    a.add_argument("--max-tokens", type=int)
    a.add_argument("--since", help="started on or after this date (YYYY-MM-DD, UTC)")
    a.add_argument("--until", help="started before this date (YYYY-MM-DD, UTC)")
    _token_options(a)
    a = action("dedupe", "drop near-identical rows of the same task (the best rated is kept)")
    a.add_argument("-o", "--output", type=Path, required=True)
    a.add_argument("--threshold", type=float, default=0.9, help="similarity of the actions, 0-1, at or above which two are copies")
    a = action("scrub", "redact secrets and personal data (e-mail, phone), with a report")
    a.add_argument("-o", "--output", type=Path, required=True)
    a.add_argument("--no-pii", action="store_true", help="secrets only, keep e-mail addresses and phone numbers")
    a.add_argument("--value", action="append", default=[], help="also redact this literal value (repeatable)")
    a = action("split", "train / held-out by task: a task never lands on both sides")
    a.add_argument("-o", "--output-dir", type=Path, required=True, help="writes train.jsonl and heldout.jsonl here")
    a.add_argument("--heldout", type=float, default=0.1, help="fraction of tasks held out (default 0.1)")
    a.add_argument("--seed", type=int, default=0)
    a = action("export", "write a training set: LIMI JSONL, parquet, slime parquet, ShareGPT (LLaMA-Factory) or ATIF, with a manifest")
    add_export_options(a)
    a = action("import", "read LIMI JSON/JSONL or ATIF into a dataset JSONL (with a manifest)")
    a.add_argument("-o", "--output", type=Path, required=True)
    a = action("harvest", "the trajectories of passed task runs (limi-cli batch/eval run directories) as training rows",
               inputs=False)
    a.add_argument("runs", nargs="+", type=Path, metavar="RUN_DIR", help="run directories (the -o of batch or eval)")
    a.add_argument("-o", "--output", type=Path, required=True, help="the dataset JSONL to write (with a manifest)")
    a.add_argument("--first-round-only", action="store_true", help="only runs that passed in their first round")
    a.add_argument("--force", action="store_true",
                   help="harvest a suite marked split: eval anyway (evaluation tasks then leak into training data)")
    a = action("annotate", "label a session (saved beside its log; the log is not touched)", inputs=False)
    a.add_argument("session", help="a session id, unique prefix, or log path")
    a.add_argument("--outcome", choices=OUTCOMES)
    a.add_argument("--rating", "--quality", dest="quality", type=int, choices=range(1, 6), metavar="1-5")
    a.add_argument("--tag", action="append", dest="tags", help="add a tag (repeatable)")
    a.add_argument("--untag", action="append", default=[], help="remove a tag (repeatable)")
    a.add_argument("--notes")
    a.add_argument("--redact", action="append", default=[], help="a literal span to redact at export (repeatable)")
    a.add_argument("--cut-at", type=int, help="keep steps 1..N only (a step is an assistant message)")
    a.add_argument("--exclude-step", action="append", type=int, default=[], help="do not train on step N (repeatable)")
    a.add_argument("--include-step", action="append", type=int, default=[], help="train on step N again (repeatable)")
    p.set_defaults(handler=lambda args: (p.print_help(), 0)[1])


def add_export_options(a: argparse.ArgumentParser) -> None:
    """The options of ``data export``, which ``limi-cli export`` shares."""
    a.add_argument("-o", "--output", type=Path, required=True, help="file (limi, parquet, slime, sharegpt) or directory (atif)")
    a.add_argument("--format", choices=FORMATS, default="limi", help="limi (default): LIMI / OpenAI rows as JSONL")
    a.add_argument("--view", choices=["full", "compacted"], default="full",
                   help="session logs: full (every logged message) or compacted (older turns replaced by their compaction summaries)")


def _token_options(a: argparse.ArgumentParser) -> None:
    a.add_argument("--tokenizer", help="tokenizer directory or .gguf file (default: the embedded SmolLM2 GGUF)")
    a.add_argument("--estimate", action="store_true", help="count tokens as characters / 4 (no tokenizer)")


def handle(args: argparse.Namespace) -> int:
    return _ACTIONS[args.action](args)


def _inputs(args: argparse.Namespace) -> list[Path]:
    from agent.session_store import sessions_dir

    if args.inputs:
        return list(args.inputs)
    directory = sessions_dir(workspace(args.cwd), args.sessions_dir)
    if not directory.is_dir():
        raise UserError(f"no inputs given and no sessions in {directory}; name files or directories")
    return [directory]


def _load(args: argparse.Namespace):
    """The rows of the inputs; problems go to stderr and reading goes on."""
    from agent.curation.dataset_io import load_inputs

    report = load_inputs(_inputs(args))
    for warning in report.warnings():
        print(f"limi-cli: warning: {warning}", file=sys.stderr)
    return report.rows


def _counter(args: argparse.Namespace):
    from agent.curation.tokens import make_counter

    return make_counter(args.tokenizer, args.estimate)


def _validate(args: argparse.Namespace) -> int:
    from agent.curation.validate import validate_paths

    checked, problems = validate_paths(_inputs(args))
    for problem in problems:
        print(problem)
    print(f"{checked} checked, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


def _stats(args: argparse.Namespace) -> int:
    from agent.curation.stats import compute_stats

    stats = compute_stats(_load(args), _counter(args))
    print(json.dumps(stats.as_dict(), indent=2) if args.json else stats.text())
    return 0


def _filter(args: argparse.Namespace) -> int:
    from agent.curation.dataset_io import write_dataset
    from agent.curation.filters import Criteria, keep, parse_date

    try:
        since = parse_date(args.since) if args.since else None
        until = parse_date(args.until) if args.until else None
    except ValueError as e:
        raise UserError(f"bad date ({e}); write YYYY-MM-DD") from None
    c = Criteria(args.outcome or [], args.min_quality, args.tags or [], args.min_tokens, args.max_tokens,
                 args.tools or [], since, until)
    counter = _counter(args) if c.min_tokens is not None or c.max_tokens is not None else None
    kept = []
    for t in _load(args):
        why = keep(t, c, counter)
        if why is None:
            kept.append(t)
        else:
            print(f"dropped {t.id}: {why}", file=sys.stderr)
    write_dataset(kept, args.output, command="filter")
    print(f"kept {len(kept)} rows in {args.output}")
    return 0


def _dedupe(args: argparse.Namespace) -> int:
    from agent.curation.dataset_io import write_dataset
    from agent.curation.filters import dedupe

    kept, dropped = dedupe(_load(args), args.threshold)
    for t, other, ratio in dropped:
        print(f"dropped {t.id}: {ratio:.0%} like {other.id} (same task)", file=sys.stderr)
    write_dataset(kept, args.output, command="dedupe",
                  extra={"dropped": [{"id": t.id, "kept": o.id, "similarity": r} for t, o, r in dropped]})
    print(f"kept {len(kept)}, dropped {len(dropped)} near-duplicates; wrote {args.output}")
    return 0


def _scrub(args: argparse.Namespace) -> int:
    from agent.curation.dataset_io import write_dataset
    from agent.curation.scrub import scrub

    out, report = scrub(_load(args), pii=not args.no_pii, values=args.value)
    write_dataset(out, args.output, command="scrub", extra={"scrubbed": dict(report.counts), "changed": report.changed})
    print(report.text())
    print(f"wrote {len(out)} rows to {args.output}")
    return 0


def _split(args: argparse.Namespace) -> int:
    from agent.curation.dataset_io import write_dataset
    from agent.curation.split import split_by_task

    try:
        train, heldout = split_by_task(_load(args), args.heldout, args.seed)
    except ValueError as e:
        raise UserError(str(e)) from None
    write_dataset(train, args.output_dir / "train.jsonl", command="split")
    write_dataset(heldout, args.output_dir / "heldout.jsonl", command="split")
    print(f"train {len(train)}, held-out {len(heldout)} (by task) in {args.output_dir}")
    return 0


def _export(args: argparse.Namespace) -> int:
    return export_and_report(_inputs(args), args.output, args.format, args.view)


def export_and_report(paths: list[Path], output: Path, fmt: str, view: str) -> int:
    """``data export`` and ``limi-cli export``: write the training set, warn about what was left
    out, say what was written; 1 when no row was."""
    from agent.export import ExportError, export_dataset

    try:
        report = export_dataset(paths, output, fmt, view=view, command="export")  # type: ignore[arg-type]
    except ExportError as e:
        raise UserError(str(e)) from None
    for problem in report.problems:
        print(f"limi-cli: warning: {problem}", file=sys.stderr)
    for path, reason in report.skipped:
        print(f"limi-cli: warning: skipped {path}: {reason}", file=sys.stderr)
    print(report.summary().splitlines()[0])
    return 0 if report.rows else 1


def _import(args: argparse.Namespace) -> int:
    from agent.curation.dataset_io import write_dataset

    if not args.inputs:
        raise UserError("name the files to import (LIMI JSON/JSONL or ATIF)")
    rows = _load(args)
    write_dataset(rows, args.output, command="import")
    print(f"imported {len(rows)} rows into {args.output}")
    return 0 if rows else 1


def _harvest(args: argparse.Namespace) -> int:
    return harvest_and_report(args.runs, args.output, force=args.force, first_round_only=args.first_round_only)


def harvest_and_report(runs: list[Path], output: Path, *, force: bool = False, first_round_only: bool = False) -> int:
    """``data harvest`` and ``batch --harvest``: write the rows, say what was kept and why not; 1 when none was."""
    from evaluation.harvest import HarvestError, harvest, write_harvest

    try:
        report = harvest(runs, force=force, first_round_only=first_round_only)
    except HarvestError as e:
        raise UserError(str(e)) from None
    for where, why in report.skipped:
        print(f"limi-cli: warning: skipped {where}: {why}", file=sys.stderr)
    if not report.rows:
        print(f"no passed task runs to harvest in {', '.join(str(r) for r in runs)}; nothing written", file=sys.stderr)
        return 1
    manifest = write_harvest(report, output, command="harvest")
    passed = sum(s["passed"] for s in report.sources)
    total = sum(s["task_runs"] for s in report.sources)
    print(f"harvested {len(report.rows)} rows from {passed} passed of {total} task runs"
          + (f" ({report.duplicates} duplicates dropped)" if report.duplicates else "")
          + f" into {output} (manifest {manifest})")
    return 0


def _annotate(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from agent.curation.annotations import Annotation, load_annotation, save_annotation
    from agent.session_store import find_session, sessions_dir

    log = find_session(sessions_dir(workspace(args.cwd), args.sessions_dir), args.session)
    try:
        current = load_annotation(log) or Annotation(session_id=log.stem)
    except ValueError as e:
        raise UserError(str(e)) from None
    data = current.model_dump()
    for key in ("outcome", "quality", "notes"):
        if getattr(args, key) is not None:
            data[key] = getattr(args, key)
    data["tags"] = [t for t in dict.fromkeys(data["tags"] + (args.tags or [])) if t not in args.untag]
    data["redactions"] = list(dict.fromkeys(data["redactions"] + args.redact))
    if args.cut_at is not None:
        data["cut_at_step"] = args.cut_at
    steps = set(data["exclude_steps"]) | set(args.exclude_step)
    data["exclude_steps"] = sorted(steps - set(args.include_step))
    data["source"] = data.get("source") or "annotate"
    try:
        annotation = Annotation.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        raise UserError(f"{'.'.join(map(str, err['loc']))}: {err['msg']}") from None
    print(f"annotated {log.stem}: {save_annotation(log, annotation)}")
    return 0


_ACTIONS = {
    "validate": _validate, "stats": _stats, "filter": _filter, "dedupe": _dedupe, "scrub": _scrub,
    "split": _split, "export": _export, "import": _import, "annotate": _annotate, "harvest": _harvest,
}
