#!/usr/bin/env python3
"""Record every demonstration under demos/tasks/ and build the curated dataset.

For each task (sorted by id):
  1. copy its workspace (demos/tasks/ID/workspace/, or the shared demos/workspaces/NAME/
     named in demos/tasks/ID/workspace.ref, with demos/tasks/ID/overlay/ copied on top)
     into a fresh temp dir, git init + commit;
  2. write .limi/config.toml with ``tools = CORE_TOOLS`` (and exclude .limi/ from git);
  3. ``limi-cli record --steps demos/tasks/ID/steps.yaml --cwd TMP`` (record offers the tools
     of the config, i.e. the core seven the embedded model sees);
  4. check the log: session_started lists exactly the 7 core tools, the session ended
     ``done``, and every tool failure (an error result or a non-zero shell exit) is at a
     step listed in the steps file's ``expect_errors`` (the deliberate fail-then-fix demos);
  5. run demos/tasks/ID/check.sh (when present) in the final workspace: it must exit 0;
  6. copy the log and its annotation into demos/sessions/.
Then: limi-cli data validate / stats / split / export into demos/dataset/, and a per-row
token check with the SmolLM2 chat template (every row must stay under --max-tokens).

    .venv/bin/python demos/record_all.py               # everything, from scratch
    .venv/bin/python demos/record_all.py --only ID...  # re-record some tasks, then rebuild the dataset
    .venv/bin/python demos/record_all.py --no-record   # only rebuild the dataset from demos/sessions
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DEMOS = Path(__file__).resolve().parent
REPO = DEMOS.parent
TASKS = DEMOS / "tasks"
SHARED = DEMOS / "workspaces"
SESSIONS = DEMOS / "sessions"
DATASET = DEMOS / "dataset"
INDEX = DEMOS / "sessions.index.json"
PY = Path(sys.executable)
BIN = PY.parent
CORE_TOOLS = ["shell", "read_file", "write_file", "edit", "list_files", "glob", "grep"]
GIT_ENV = {"GIT_AUTHOR_NAME": "limi-demo", "GIT_AUTHOR_EMAIL": "demo@limi.invalid",
           "GIT_COMMITTER_NAME": "limi-demo", "GIT_COMMITTER_EMAIL": "demo@limi.invalid",
           "GIT_AUTHOR_DATE": "2025-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2025-01-01T00:00:00Z"}


def env() -> dict:
    e = dict(os.environ)
    e["PATH"] = f"{BIN}{os.pathsep}{e.get('PATH', '')}"  # `python` and `limi-cli` are the venv's, as in eval
    e.pop("LIMI_MODEL", None)
    e.update(GIT_ENV)
    return e


def workspace_of(task: Path) -> Path:
    own = task / "workspace"
    if own.is_dir():
        return own
    ref = task / "workspace.ref"
    if ref.is_file():
        shared = SHARED / ref.read_text().strip()
        if shared.is_dir():
            return shared
        raise SystemExit(f"{ref}: no shared workspace {shared}")
    raise SystemExit(f"{task}: no workspace/ and no workspace.ref")


def prepare(task: Path) -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="limi-demo-"))
    skip = shutil.ignore_patterns("__pycache__", ".pytest_cache")
    shutil.copytree(workspace_of(task), tmp, dirs_exist_ok=True, ignore=skip)
    if (task / "overlay").is_dir():  # this task's changes to a shared workspace (e.g. the bug to fix)
        shutil.copytree(task / "overlay", tmp, dirs_exist_ok=True, ignore=skip)
    run = lambda *a: subprocess.run(a, cwd=tmp, env=env(), check=True, capture_output=True)  # noqa: E731
    run("git", "init", "-q", "-b", "main")
    run("git", "add", "-A")
    run("git", "commit", "-q", "-m", "initial")
    (tmp / ".limi").mkdir()
    tools = ", ".join(f'"{t}"' for t in CORE_TOOLS)
    (tmp / ".limi" / "config.toml").write_text(f"tools = [{tools}]\n")
    with open(tmp / ".git" / "info" / "exclude", "a") as f:
        f.write(".limi/\n__pycache__/\n.pytest_cache/\n")
    return tmp


def read_events(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def check_log(task_id: str, log: Path, expect_errors: set[int]) -> list[str]:
    problems = []
    events = read_events(log)
    started = events[0]
    names = [t["function"]["name"] for t in started["tools"]]
    if names != CORE_TOOLS:
        problems.append(f"tools offered are {names}, not the core seven")
    ended = [e for e in events if e["type"] == "session_ended"]
    if not ended or ended[-1]["reason"] != "done":
        problems.append(f"session did not end done: {ended[-1] if ended else 'no session_ended'}")
    # the step (turn) of each tool call
    step_of = {}
    for e in events:
        if e["type"] == "assistant_message":
            for c in e["tool_calls"]:
                step_of[c["id"]] = e["turn"]
    failed = set()
    for e in events:
        if e["type"] != "tool_result":
            continue
        bad = e["is_error"] or (e["name"] == "shell" and e.get("exit_code") not in (0, None))
        if bad:
            step = step_of.get(e["tool_call_id"])
            failed.add(step)
            if step not in expect_errors:
                problems.append(f"step {step}: {e['name']} failed unexpectedly: {e['output'][:300]!r}")
    for step in sorted(expect_errors - failed):
        problems.append(f"step {step}: a failure was expected (expect_errors) but the tool succeeded")
    return problems


def record(task: Path) -> tuple[str | None, list[str]]:
    import yaml

    try:
        meta = yaml.safe_load((task / "steps.yaml").read_text())
    except yaml.YAMLError as e:
        return None, [f"steps.yaml is not valid YAML: {e}"]
    expect = set(meta.get("expect_errors") or [])
    tmp = prepare(task)
    try:
        cmd = [str(PY), "-m", "limi_cli.cli", "record", "--steps", str(task / "steps.yaml"), "--cwd", str(tmp)]
        p = subprocess.run(cmd, cwd=tmp, env=env(), capture_output=True, text=True)
        if p.returncode != 0:
            return None, [f"record failed (exit {p.returncode}): {p.stderr.strip()[-800:]}"]
        sess_dir = tmp / ".limi" / "sessions"
        logs = sorted(sess_dir.glob("*.jsonl"))
        if len(logs) != 1:
            return None, [f"expected one session log, found {len(logs)}"]
        log = logs[0]
        problems = check_log(task.name, log, expect)
        check = task / "check.sh"
        if check.is_file():
            c = subprocess.run(["bash", str(check)], cwd=tmp, env=env(), capture_output=True, text=True, timeout=120)
            if c.returncode != 0:
                problems.append(f"check.sh failed (exit {c.returncode}): {(c.stdout + c.stderr).strip()[-600:]}")
        sid = log.stem
        for f in sess_dir.glob(f"{sid}*"):
            shutil.copy2(f, SESSIONS / f.name)
        return sid, problems
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def limi(*args: str, capture: bool = False) -> subprocess.CompletedProcess:
    cmd = [str(BIN / "limi-cli"), *args]
    print("$", " ".join(str(a) for a in cmd).replace(str(REPO) + "/", ""), flush=True)
    p = subprocess.run(cmd, cwd=REPO, env=env(), text=True, capture_output=capture)
    if p.returncode != 0:
        if capture:
            print(p.stdout, p.stderr)
        raise SystemExit(f"limi-cli {args[0]} {args[1]} failed (exit {p.returncode})")
    return p


def row_tokens(rows_file: Path) -> list[tuple[str, int]]:
    """Tokens of each exported row as training sees it: the tools rendered into the system
    prompt by agent/toolprompt.py, then the SmolLM2 chat template (agent/curation/tokens.py)."""
    sys.path.insert(0, str(REPO))
    from agent.curation.tokens import make_counter

    counter = make_counter(None, False)
    out = []
    for line in rows_file.read_text().splitlines():
        row = json.loads(line)
        meta = row.get("metadata") or {}
        out.append((str(meta.get("session_id") or row.get("id") or "?"), counter.count(row)))
    return out


def build_dataset(max_tokens: int) -> None:
    sessions = str(SESSIONS.relative_to(REPO))
    limi("data", "validate", sessions)
    limi("data", "stats", sessions)
    stats = json.loads(limi("data", "stats", "--json", sessions, capture=True).stdout)
    (DATASET).mkdir(exist_ok=True)
    (DATASET / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    with tempfile.TemporaryDirectory(prefix="limi-split-") as split_dir:  # split rows keep a 'meta' key; export drops it
        split_dir = Path(split_dir)
        limi("data", "split", sessions, "-o", str(split_dir), "--heldout", "0.1", "--seed", "0")
        for part in ("train", "heldout"):
            limi("data", "export", "--format", "limi", str(split_dir / f"{part}.jsonl"),
                 "-o", str((DATASET / f"{part}.jsonl").relative_to(REPO)))
    limi("data", "export", "--format", "limi", sessions, "-o", str((DATASET / "all.jsonl").relative_to(REPO)))
    limi("data", "validate", str((DATASET / "train.jsonl").relative_to(REPO)), str((DATASET / "heldout.jsonl").relative_to(REPO)))
    tokens = row_tokens(DATASET / "all.jsonl")
    over = [(sid, n) for sid, n in tokens if n > max_tokens]
    ns = [n for _, n in tokens]
    print(f"rows {len(ns)}: tokens total {sum(ns)}, min {min(ns)}, mean {sum(ns) / len(ns):.0f}, max {max(ns)} "
          f"(limit {max_tokens}: {len(over)} over)")
    if over:
        raise SystemExit(f"rows over {max_tokens} tokens: {over}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*", help="task ids to (re-)record; the others keep their logs")
    ap.add_argument("--no-record", action="store_true", help="only rebuild the dataset from demos/sessions")
    ap.add_argument("--no-dataset", action="store_true", help="only record")
    ap.add_argument("--max-tokens", type=int, default=6000)
    args = ap.parse_args()

    SESSIONS.mkdir(exist_ok=True)
    index = json.loads(INDEX.read_text()) if INDEX.is_file() else {}
    failures = {}
    if not args.no_record:
        tasks = sorted(p for p in TASKS.iterdir() if (p / "steps.yaml").is_file())
        if args.only:
            tasks = [t for t in tasks if t.name in set(args.only)]
            unknown = set(args.only) - {t.name for t in tasks}
            if unknown:
                raise SystemExit(f"unknown task ids: {', '.join(sorted(unknown))}")
        else:  # from scratch
            for f in SESSIONS.glob("*.json*"):
                if f != INDEX:
                    f.unlink()
            index = {}
        for task in tasks:
            old = index.pop(task.name, None)
            if old:
                for f in SESSIONS.glob(f"{old}*"):
                    f.unlink()
            sid, problems = record(task)
            if sid:
                index[task.name] = sid
            status = "ok" if not problems and sid else "PROBLEM"
            print(f"{status:8} {task.name:32} {sid or ''}", flush=True)
            for pr in problems:
                print(f"         - {pr}")
            if problems or not sid:
                failures[task.name] = problems
        for gone in [t for t in index if not (TASKS / t / "steps.yaml").is_file()]:  # deleted tasks
            for f in SESSIONS.glob(f"{index.pop(gone)}*"):
                f.unlink()
        INDEX.write_text(json.dumps(dict(sorted(index.items())), indent=2) + "\n")
        known = set(index.values())
        for f in SESSIONS.glob("*.jsonl"):
            if f.stem not in known:
                print(f"note: {f.name} is not in the index (a stale log?)")
    if failures:
        print(f"{len(failures)} task(s) with problems: {', '.join(failures)}")
        return 1
    if not args.no_dataset:
        build_dataset(args.max_tokens)
    return 0


if __name__ == "__main__":
    sys.exit(main())
