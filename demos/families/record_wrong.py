#!/usr/bin/env python3
"""Record wrong-first demonstrations: a wrong attempt, its real check failure, then a different, grounded fix.

The tuned models fail evaluation tasks in a set way: round 1 writes a wrong value (guessed
without reading a file, or a number written as a string) or code with one wrong operator or
number, and when the check fails they write the SAME thing again in rounds 2 and 3. The
recovery demos (record_recovery.py) start round 2 from a premature answer with nothing
changed, so they never show a wrong change being undone. A wrong-first demo is a training
task's reference demo with a wrong first attempt in front of it:

1. round 1, made wrong the way the model is wrong (none of it is trained on):
   - "guess", when the reference's first change writes a non-.py file (an answer file, a JSON
     object, a line of text): no exploration, a single write_file of a wrong value at the same
     path (each integer n+1; in JSON a number quoted as a string, e.g. "21"; a path answer
     becomes another file of the workspace, a word another name seen beside it in the
     workspace, e.g. the next row of the CSV, or the word reversed), then "Done: I wrote the
     answer to PATH.";
   - "bug", for .py changes: the reference exploration, then the first change with one small
     bug in its new code (the first of: ``+``/``-``, ``*``/``/``, ``<``/``<=``, ``>``/``>=``,
     ``==``/``!=``, ``True``/``False``, an integer n -> n+1, a dropped unary minus), then
     "Done: the change is made.";
2. the task's check, really run on a fresh workspace holding that wrong change, with that
   answer, and its failure sent as the next user message, word for word as an evaluation's
   round 1 of 3 sends it (``feedback_message(check, 1, 3)``);
3. round 2, the expert doing something different, grounded in the files:
   - guess: "The check failed (...). I wrote that without reading the files: look first.",
     then all the reference steps (exploration, the right write, the answer);
   - bug: "The check failed (...). Read PATH again." and read_file(PATH); then the correct
     change, naming what was wrong (an edit from the wrong code to the reference code, or the
     reference write_file), then the rest of the reference steps and the answer.

Every turn of round 1 stays in the conversation as context and is excluded from training
(``limi-cli data annotate --exclude-step N`` for each: weight 0; the log numbers turns across
both rounds, so round 1's turns are 1..k). A task is skipped when it changes nothing (survey),
when no mutation applies, or when the check passes on the wrong attempt. Only even-numbered
``train`` tasks are used (record_recovery.py has the odd ones); logs go to
``demos/families/wrong_sessions/`` and rows to ``demos/families/dataset/wrong.jsonl``.

    .venv/bin/python demos/families/record_wrong.py
"""

from __future__ import annotations

import difflib
import json
import keyword
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from record import limi, prepare, read_events  # noqa: E402  (record puts the repository on sys.path)
from record_recovery import CHANGES, _calls, failing_check, finish, last_line, record_rounds  # noqa: E402

from agent.curation.annotations import load_annotation  # noqa: E402
from evaluation.runner import feedback_message  # noqa: E402
from evaluation.task import load_suite  # noqa: E402

SESSIONS = HERE / "wrong_sessions"
DATASET = HERE / "dataset"
GUESS_THOUGHT = "Write the answer."
BUG_ANSWER = "Done: the change is made."
LOOK_FIRST = "I wrote that without reading the files: look first."


# ---- the wrong value of a guess -------------------------------------------------------------

def _plus_one(text: str) -> str:
    return re.sub(r"\d+", lambda m: str(int(m.group()) + 1), text)


def _quoted_number(text: str) -> str:
    """A JSON text with its first number value written as a string (``21`` -> ``"21"``)."""
    return re.sub(r'(:\s*)(-?\d+(?:\.\d+)?)(?=\s*[,}\n])', r'\1"\2"', text, count=1)


def _files(workspace: Path) -> list[str]:
    skip = {".git", ".limi", "__pycache__", ".pytest_cache"}
    return sorted(str(p.relative_to(workspace)) for p in workspace.rglob("*")
                  if p.is_file() and not skip & set(p.relative_to(workspace).parts))


def _other_file(value: str, workspace: Path, instruction: str) -> str | None:
    """Another file of the workspace in place of the path ``value``: first one that mentions a
    name of the task (a file that uses the function, say), else one beside it, else any."""
    suffix = Path(value).suffix
    others = [f for f in _files(workspace) if f != value and Path(f).suffix == suffix]
    names = [n for n in re.findall(r"[A-Za-z_]\w*", instruction) if "_" in n.strip("_")]

    def mentions(f: str) -> bool:
        try:
            text = (workspace / f).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            return False
        return any(n in text for n in names)

    for keep in (mentions, lambda f: Path(f).parent == Path(value).parent, lambda f: True):
        found = [f for f in others if keep(f)]
        if found:
            return found[0]
    return None


def _kinds(parts: list[str]) -> list[str]:
    return ["d" if p.isdigit() else "w" for p in parts[::2]]


def sibling_word(value: str, workspace: Path) -> str | None:
    """A name seen in the workspace in the place ``value`` has elsewhere: the same field of
    another line of the same shape (another CSV row, another page's file name)."""
    sources = [_files(workspace)]
    for f in sources[0]:
        try:
            sources.append((workspace / f).read_text(encoding="utf-8").splitlines())
        except (UnicodeDecodeError, OSError):
            continue
    low = value.lower()
    for lines in sources:
        parsed = [re.split(r"([^A-Za-z0-9]+)", line) for line in lines]
        for parts in parsed:
            for i in range(0, len(parts), 2):
                if parts[i].lower() != low:
                    continue
                for other in parsed:
                    if (len(other) == len(parts) and other[1::2] == parts[1::2]
                            and _kinds(other) == _kinds(parts)):
                        word = other[i]
                        if word.isalpha() and word.lower() != low:
                            return word.lower() if value.islower() else word
    return None


def guess_values(path: str, content: str, workspace: Path, instruction: str, number: int) -> list[tuple[str, str]]:
    """Wrong contents for the answer file ``path`` (reference: ``content``), most plausible
    first, each with what was made wrong: [(wrong content, how)]."""
    out: list[tuple[str, str]] = []
    value = content.strip()
    if path.endswith(".json"):
        quoted = (_quoted_number(content), "a number written as a string")
        plus = (_plus_one(content), "each integer n+1")
        out += [quoted, plus] if (number // 2) % 2 else [plus, quoted]
    elif value and (workspace / value).is_file():
        other = _other_file(value, workspace, instruction)
        if other:
            out.append((content.replace(value, other, 1), f"another file of the workspace ({other})"))
    elif re.search(r"\d", content):
        out.append((_plus_one(content), "each integer n+1"))
    else:
        word = re.search(r"[A-Za-z][A-Za-z_-]*", content)
        if word:
            other = sibling_word(word.group(), workspace)
            if other:
                out.append((content[:word.start()] + other + content[word.end():], f"another name of the workspace ({other})"))
            if len(set(word.group())) > 1:
                out.append((content[:word.start()] + word.group()[::-1] + content[word.end():], "the word reversed"))
    seen, kept = {content}, []
    for wrong, how in out:
        if wrong not in seen:
            seen.add(wrong)
            kept.append((wrong, how))
    return kept


# ---- the bug of a code change ---------------------------------------------------------------

TOKEN = re.compile(r"""
    (?P<str>(?:[rRbBuUfF]{1,2})?(?:\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'))
  | (?P<comment>\#[^\n]*)
  | (?P<name>[A-Za-z_]\w*)
  | (?P<num>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
  | (?P<op>\*\*=?|//=?|->|<<=?|>>=?|[<>=!]=|[-+*/%&|^@]=?|[<>=~:.,;()\[\]{}])
  | (?P<ws>\s+)
  | (?P<other>.)
""", re.VERBOSE)
SWAPS = {
    "+-": {"+": "-", "-": "+"},
    "*/": {"*": "/", "/": "*"},
    "<": {"<": "<=", "<=": "<"},
    ">": {">": ">=", ">=": ">"},
    "==": {"==": "!=", "!=": "=="},
}
KINDS = (*SWAPS, "bool", "int", "unary-minus")


@dataclass
class Mutation:
    wrong: str  # the code with the bug
    bad: str  # what the bug put there
    good: str  # what belongs there
    line: str  # the wrong line, stripped

    def thought(self, path: str, write: bool) -> str:
        fix = f"write {path} again with it fixed" if write else "fix it"
        return f"`{self.line}` has `{self.bad}` where `{self.good}` belongs; {fix}."


def _tokens(code: str) -> list[tuple[str, str]]:
    return [(m.lastgroup, m.group()) for m in TOKEN.finditer(code)]


def _binary(tokens: list[tuple[str, str]], j: int) -> bool:
    """Whether the operator at ``j`` has an operand on its left (``a - b``, not ``-b``)."""
    prev = next((t for t in reversed(tokens[:j]) if t[0] not in ("ws", "comment")), None)
    if prev is None:
        return False
    kind, text = prev
    if kind in ("num", "str"):
        return True
    if kind == "name":
        return not keyword.iskeyword(text) or text in ("True", "False", "None")
    return text in (")", "]", "}")


def _replacement(kind: str, tokens: list[tuple[str, str]], j: int) -> tuple[str, str, str] | None:
    """(new text of token ``j``, bad, good) for a bug of ``kind`` there, or None."""
    tk, text = tokens[j]
    if kind in SWAPS:
        swap = SWAPS[kind]
        if tk != "op" or text not in swap or (kind in ("+-", "*/") and not _binary(tokens, j)):
            return None
        return swap[text], swap[text], text
    if kind == "bool":
        if tk == "name" and text in ("True", "False"):
            other = "False" if text == "True" else "True"
            return other, other, text
        return None
    if kind == "int":
        if tk == "num" and text.isdigit():
            return str(int(text) + 1), str(int(text) + 1), text
        return None
    if kind == "unary-minus" and tk == "op" and text == "-" and not _binary(tokens, j):
        nxt = tokens[j + 1] if j + 1 < len(tokens) else None
        if nxt and nxt[0] == "name":
            return "", nxt[1], "-" + nxt[1]
    return None


def mutate_code(old: str, new: str) -> Mutation | None:
    """``new`` (replacing ``old``) with one small bug, put in its new code when one fits there;
    never a bug that only brings back ``old``."""
    tokens = _tokens(new)
    old_texts = [t for _, t in _tokens(old)]
    matcher = difflib.SequenceMatcher(None, old_texts, [t for _, t in tokens], autojunk=False)
    fresh = sorted({j for tag, _, _, j1, j2 in matcher.get_opcodes() if tag in ("replace", "insert")
                    for j in range(j1, j2)})
    for scope in (fresh, range(len(tokens))):
        for kind in KINDS:
            for j in scope:
                rep = _replacement(kind, tokens, j)
                if rep is None:
                    continue
                text, bad, good = rep
                before = "".join(t for _, t in tokens[:j])
                wrong = before + text + "".join(t for _, t in tokens[j + 1:])
                if wrong == old or wrong == new:
                    continue
                start = before.rfind("\n") + 1
                end = wrong.find("\n", len(before))
                line = wrong[start:end if end >= 0 else len(wrong)].strip()
                return Mutation(wrong, bad, good, line)
    return None


# ---- the demo --------------------------------------------------------------------------------

@dataclass
class WrongDemo:
    mode: str  # "guess" or "bug"
    steps: list[dict]  # round 1, the feedback (a user step), round 2
    round1: int  # round 1's turns: 1..round1, all excluded from training
    change: dict  # round 1's wrong write_file or edit call
    answer: str  # round 1's premature answer
    what: str  # the mistake, in words
    check_output: str


def wrong_demo(task, folder: Path) -> WrongDemo | str:
    """The two-round demo of ``task``, or why there is none."""
    steps = json.loads((folder / "steps.json").read_text())["steps"]
    first = next((i for i, s in enumerate(steps) if any(c["name"] in CHANGES for c in _calls(s))), None)
    if first is None:
        return "changes no file"
    if len(_calls(steps[first])) != 1:
        return "its first change is one of several calls in a step"
    change = _calls(steps[first])[0]
    path = change["arguments"]["path"]
    if not path.endswith(".py"):
        if change["name"] != "write_file":
            return f"its first change edits {path}, not .py"
        return _guess(task, folder, steps, first, change)
    return _bug(task, folder, steps, first, change)


def _guess(task, folder: Path, steps: list[dict], first: int, change: dict) -> WrongDemo | str:
    path, content = change["arguments"]["path"], change["arguments"]["content"]
    answer = f"Done: I wrote the answer to {path}."
    number = int(task.id.rsplit("-", 1)[1])
    tmp = prepare(folder)
    try:
        values = guess_values(path, content, tmp, task.instruction, number)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not values:
        return f"no wrong value for {content.strip()!r}"
    for wrong, how in values:
        call = {"name": "write_file", "arguments": {"path": path, "content": wrong}}
        check = failing_check(task, folder, answer, call)
        if not check.ok:
            break
    else:
        return "the check passes on every wrong value"
    look = f" {LOOK_FIRST}" if first > 0 else ""
    head = f"The check failed ({last_line(check.output)}).{look}"
    round2 = [dict(s) for s in steps]
    round2[0]["thought"] = f"{head} {round2[0].get('thought', '')}".strip()
    round1 = [{"thought": GUESS_THOUGHT, "call": call}, {"answer": answer}]
    return WrongDemo("guess", [*round1, {"user": feedback_message(check, 1, 3)}, *round2], len(round1),
                     call, answer, f"{content.strip()!r} -> {wrong.strip()!r} ({how})", check.output)


def _bug(task, folder: Path, steps: list[dict], first: int, change: dict) -> WrongDemo | str:
    a = change["arguments"]
    path = a["path"]
    if change["name"] == "write_file":
        before = folder / "workspace" / path
        old, new = (before.read_text(encoding="utf-8") if before.is_file() else ""), a["content"]
    else:
        old, new = a["old_string"], a["new_string"]
    bug = mutate_code(old, new)
    if bug is None:
        return "no small bug fits its change"
    key = "content" if change["name"] == "write_file" else "new_string"
    call = {"name": change["name"], "arguments": {**a, key: bug.wrong}}
    check = failing_check(task, folder, BUG_ANSWER, call)
    if check.ok:
        return f"the check passes with the bug ({bug.bad} for {bug.good})"
    verb = "Write" if change["name"] == "write_file" else "Change"
    round1 = [*steps[:first], {"thought": f"{verb} {path}.", "call": call}, {"answer": BUG_ANSWER}]
    reread = {"thought": f"The check failed ({last_line(check.output)}). Read {path} again.",
              "call": {"name": "read_file", "arguments": {"path": path}}}
    if change["name"] == "write_file":
        fix_call = change
    else:
        fix_call = {"name": "edit", "arguments": {"path": path, "old_string": bug.wrong, "new_string": new,
                                                  **({"replace_all": True} if a.get("replace_all") else {})}}
    fix = {"thought": bug.thought(path, change["name"] == "write_file"), "call": fix_call}
    round2 = [reread, fix, *steps[first + 1:]]
    return WrongDemo("bug", [*round1, {"user": feedback_message(check, 1, 3)}, *round2], len(round1),
                     call, BUG_ANSWER, f"{bug.good} -> {bug.bad} in `{bug.line}`", check.output)


def _round1_excluded(log: Path, demo: WrongDemo) -> list[str]:
    """Round 1 in the log is what was planned: turns 1..k, its wrong change done, the premature
    answer last and the feedback right after; then every one of its turns is excluded from training."""
    events = read_events(log)
    replies = [e for e in events if e["type"] == "assistant_message"]
    k = demo.round1
    if [e["turn"] for e in replies[:k]] != list(range(1, k + 1)):
        return [f"round 1 is not turns 1..{k}"]
    last = replies[k - 1]
    if last["content"] != demo.answer or last["tool_calls"]:
        return [f"turn {k} is not the premature answer"]
    wrong = replies[k - 2]["tool_calls"]
    if len(wrong) != 1 or wrong[0]["name"] != demo.change["name"] or wrong[0]["arguments"] != demo.change["arguments"]:
        return [f"turn {k - 1} is not the wrong change"]
    after = events[events.index(last) + 1:]
    user = next((e for e in after if e["type"] == "user_message"), None)
    if user is None or not user["content"].startswith("The check of your work failed (round 1 of 3"):
        return ["no check failure after round 1"]
    excluded = [str(n) for n in range(1, k + 1)]
    limi("data", "annotate", str(log), *[x for n in excluded for x in ("--exclude-step", n)])
    annotation = load_annotation(log)
    if annotation is None or annotation.exclude_steps != list(range(1, k + 1)):
        return [f"annotate kept exclude_steps {annotation and annotation.exclude_steps}, not 1..{k}"]
    return []


def main() -> int:
    suite = load_suite(str(HERE / "train"))
    tasks = [t for t in suite.tasks if int(t.id.rsplit("-", 1)[1]) % 2 == 0]
    shutil.rmtree(SESSIONS, ignore_errors=True)
    SESSIONS.mkdir(parents=True)
    failed, skipped, modes = [], [], {"guess": 0, "bug": 0}
    for task in tasks:
        folder = HERE / "train" / task.id
        demo = wrong_demo(task, folder)
        if isinstance(demo, str):
            skipped.append(f"{task.id} ({demo})")
            continue
        problems = record_rounds(task, folder, demo.steps, ["wrong-first", demo.mode], SESSIONS,
                                 extra=lambda log, demo=demo: _round1_excluded(log, demo))
        if problems:
            failed.append(f"{task.id}: {'; '.join(problems)}")
        else:
            modes[demo.mode] += 1
            print(f"ok {task.id:22} {demo.mode:5} {demo.what}", flush=True)
    done = len(tasks) - len(skipped) - len(failed)
    return finish(failed, f"recorded {done} of {len(tasks)} wrong-first demos ({modes['guess']} guess, {modes['bug']} bug) "
                  f"in {SESSIONS}" + (f"\nskipped {len(skipped)}:\n  " + "\n  ".join(skipped) if skipped else ""),
                  SESSIONS, DATASET / "wrong.jsonl")


if __name__ == "__main__":
    sys.exit(main())
