#!/usr/bin/env python3
"""Record hint demonstrations: a call that misses, the tool's hint, and the call the hint points to.

On the built-in suite the tuned models send calls that miss: a path in an invented folder
(``docs/api/billing.md`` for ``docs/billing.md``) or an ``edit`` whose ``old_string`` was
written from memory. The tools answer with what to do ("did you mean docs/billing.md?", "the
closest lines in the file (3-4) are: ..."), and the models send the same call again: take
eighteen followed 3 of 27 such suggestions. No demo shows a miss, so none shows the answer
being used. A hint demo is a training task's reference demo with one miss put in front of one
of its calls:

- "path" (even-numbered tasks): before the first ``read_file``, ``outline`` or ``edit`` of a
  file, the same call on a path that does not exist: the file without its folders when it has
  some, else the file in a ``src/`` folder. The tool names the real file; the next turn says
  so and makes the reference call.
- "text" (odd-numbered tasks; a "path" demo when this does not apply): the first ``edit``
  that can be misremembered, first sent with its ``old_string`` changed (one operator or
  number, as record_wrong.py changes code, else its last name with an ``s`` added or
  dropped). The tool shows the file's closest lines; the next turn says what differs and
  makes the reference edit.

The missed call is checked: its result must be an error that carries the hint (the real file's
path, or "the closest lines"). Its turn stays in the conversation as context and is excluded
from training (``limi-cli data annotate --exclude-step``), so the model learns the use of the
hint, not the miss. Every ``train`` task is used (the validation split stays unseen); logs go to
``demos/families/hint_sessions/`` and rows to ``demos/families/dataset/hint.jsonl``.

    .venv/bin/python demos/families/record_hint.py
"""

from __future__ import annotations

import json
import keyword
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from record import limi, read_events  # noqa: E402  (record puts the repository on sys.path)
from record_recovery import _calls, finish, record_rounds  # noqa: E402
from record_wrong import mutate_code  # noqa: E402

from evaluation.task import load_suite  # noqa: E402

SESSIONS = HERE / "hint_sessions"
DATASET = HERE / "dataset"
PATH_TOOLS = ("read_file", "outline", "edit")


def wrong_path(path: str) -> str:
    """A path to the same file that does not exist: without its folders, or in a ``src/`` folder."""
    return path.rsplit("/", 1)[1] if "/" in path else f"src/{path}"


def _single(step: dict, names: tuple[str, ...]) -> dict | None:
    calls = _calls(step)
    return calls[0] if len(calls) == 1 and calls[0]["name"] in names and "path" in calls[0]["arguments"] else None


def path_miss(steps: list[dict]) -> tuple[int, dict, str, str] | None:
    """(step index, the missed call, what its result must contain, the next turn's thought), or None."""
    for i, step in enumerate(steps):
        call = _single(step, PATH_TOOLS)
        if call is None:
            continue
        path = call["arguments"]["path"]
        wrong = wrong_path(path)
        miss = {**call, "arguments": {**call["arguments"], "path": wrong}}
        return i, miss, f"did you mean {path}", f"{wrong} is not there; the tool names {path}: use that path."
    return None


def misremember(old: str, new: str) -> tuple[str, str, str] | None:
    """(``old`` misremembered, what the miss wrote, what the file has): one operator or number
    changed (never into ``new``), else its last name with an ``s`` added or dropped; or None."""
    bug = mutate_code(new, old)
    if bug is not None:
        return bug.wrong, bug.bad, bug.good
    names = [m for m in re.finditer(r"[A-Za-z_]\w*", old) if not keyword.iskeyword(m.group())]
    if not names:
        return None
    m = names[-1]
    name = m.group()
    other = name[:-1] if name.endswith("s") and len(name) > 1 else name + "s"
    wrong = old[:m.start()] + other + old[m.end():]
    return (wrong, other, name) if wrong != new else None


def text_miss(steps: list[dict]) -> tuple[int, dict, str, str] | None:
    """The first edit with its ``old_string`` misremembered, as :func:`path_miss` says it, or None."""
    for i, step in enumerate(steps):
        call = _single(step, ("edit",))
        if call is None:
            continue
        made = misremember(call["arguments"]["old_string"], call["arguments"]["new_string"])
        if made is None:
            continue
        wrong, bad, good = made
        miss = {**call, "arguments": {**call["arguments"], "old_string": wrong}}
        path = call["arguments"]["path"]
        return i, miss, "the closest lines", f"{path} has `{good}` where I wrote `{bad}`: copy the text as the tool shows it."
    return None


def hint_steps(task, folder: Path) -> tuple[list[dict], int, str, str] | None:
    """(steps, the missed call's turn, what its result must contain, the kind), or None."""
    steps = json.loads((folder / "steps.json").read_text())["steps"]
    number = int(task.id.rsplit("-", 1)[1])
    tries = (("text", text_miss), ("path", path_miss)) if number % 2 else (("path", path_miss),)
    for kind, find in tries:
        found = find(steps)
        if found is None:
            continue
        i, miss, must, thought = found
        missed = {"thought": steps[i].get("thought", ""), "call": miss, "expect_error": True}
        out = [*steps[:i], missed, {**steps[i], "thought": thought}, *steps[i + 1:]]
        return out, i + 1, must, kind
    return None


def _miss_checked(log: Path, turn: int, must: str) -> list[str]:
    """The call of turn ``turn`` failed with ``must`` in its result; that turn is excluded from training."""
    events = read_events(log)
    ids = {c["id"] for e in events if e["type"] == "assistant_message" and e["turn"] == turn for c in e["tool_calls"]}
    results = [e for e in events if e["type"] == "tool_result" and e["tool_call_id"] in ids]
    if len(results) != 1 or not results[0]["is_error"] or must not in results[0]["output"]:
        got = results[0]["output"][:200] if results else "no result"
        return [f"turn {turn}: the missed call did not answer with {must!r}: {got!r}"]
    limi("data", "annotate", str(log), "--exclude-step", str(turn))
    return []


def main() -> int:
    tasks = load_suite(str(HERE / "train")).tasks
    shutil.rmtree(SESSIONS, ignore_errors=True)
    SESSIONS.mkdir(parents=True)
    failed, skipped, kinds = [], [], {"path": 0, "text": 0}
    for task in tasks:
        folder = HERE / "train" / task.id
        made = hint_steps(task, folder)
        if made is None:
            skipped.append(task.id)
            continue
        steps, turn, must, kind = made
        problems = record_rounds(task, folder, steps, ["hint", kind], SESSIONS,
                                 extra=lambda log: _miss_checked(log, turn, must))
        if problems:
            failed.append(f"{task.id}: {'; '.join(problems)}")
        else:
            kinds[kind] += 1
    done = len(tasks) - len(skipped) - len(failed)
    return finish(failed, f"recorded {done} hint demos of {len(tasks)} tasks in {SESSIONS} "
                  f"({kinds['path']} path, {kinds['text']} text)"
                  + (f"; skipped (no call with a path): {', '.join(skipped)}" if skipped else ""),
                  SESSIONS, DATASET / "hint.jsonl")


if __name__ == "__main__":
    sys.exit(main())
