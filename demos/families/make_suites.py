"""Generate the task families: a training suite, a validation suite and a rollout suite of small checked tasks.

Eighteen families of the everyday work a terminal agent does (write a file, write JSON, look a
fact up in documents, count log lines, fix a wrong operator, add a function, rename a function,
sum a CSV column, fix a bug that a test shows, add a keyword parameter, find where something is
defined, count a marker across a folder tree, write a command-line script, survey a project and
say what it is for, write a new module with one function; and, added later, give a class new
methods, stop a function crashing on an edge input, total a CSV column per group), each instance drawn from its own names
and values with a fixed seed. The survey family writes nothing: its check judges the final
answer (``$FINAL_ANSWER_FILE``), and its ``solution/`` holds only the reference answer
(``.final_answer``). The survey's README is named in several ways, or missing (the entry module's
docstring says it then). They are for ``limi-cli batch --harvest`` (expert iteration: keep the runs whose check passed) and for
choosing a training recipe on the validation split, never the evaluation suites: no workspace,
file name or wording is shared with ``evaluation/suites/builtin`` (``tests/test_families.py``
checks it), and each suite folder says its split in ``suite.json``. ``rollouts/`` holds more training
tasks (split ``train``, from the training pools) that have no demo: the tasks a tuned model is run
on for a round of expert iteration, so its harvest brings workspaces no training row has seen.

    python demos/families/make_suites.py            # writes demos/families/{train,validation,rollouts}/
    python demos/families/make_suites.py --check    # exit 1 if the files on disk differ

Each task's expected result is in its check command; ``solution/`` holds the reference result,
so the harness can be tested to pass every task on its solution and fail it on the workspace.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# instances per family; "rollouts" is more training tasks with no demo (split "train" in its suite.json), for
# expert iteration (limi-cli batch --harvest): fresh workspaces drawn from the training pools
SPLITS = {"train": 12, "validation": 3, "rollouts": 6}
SEEDS = {"train": 1, "validation": 2, "rollouts": 3}
OFFSETS = {"train": 0, "validation": 100, "rollouts": 200}  # instance numbers never repeat across splits

WORDS = ["amber", "basil", "cedar", "delta", "ember", "fjord", "garnet", "harbor", "indigo", "juniper", "kestrel",
         "lumen", "maple", "nectar", "onyx", "pebble", "quartz", "raven", "sierra", "tundra", "umber", "velvet",
         "willow", "yarrow", "zephyr", "acorn", "bramble", "cobalt", "dune", "falcon", "glacier", "heron"]
CITIES = ["Lisbon", "Oslo", "Quito", "Perth", "Dakar", "Hanoi", "Lima", "Riga", "Tunis", "Cusco", "Bergen", "Porto",
          "Kyoto", "Accra", "Split", "Turku"]
ITEMS = ["bolts", "washers", "hinges", "rivets", "springs", "brackets", "gaskets", "valves", "pulleys", "clamps"]
LEVELS = ["INFO", "DEBUG", "WARN", "ERROR"]
# a solution file the harness reads as the reference final answer, never copied into a workspace
# (evaluation.check.REFERENCE_ANSWER; checks get the agent's answer in $FINAL_ANSWER_FILE)
REFERENCE_ANSWER = ".final_answer"


def _check(family: str, **args) -> str:
    return f"python3 \"$SUITE_DIR/../checks/{family}.py\" '{json.dumps(args, sort_keys=True)}'"


def _do(thought: str, tool: str, **arguments) -> dict:
    return {"thought": thought, "call": {"name": tool, "arguments": arguments}}


# where a one-line result goes; each split has its own names (a validation file is never a train file)
_RESULT_FILES = {"train": ["result.txt", "output.txt", "reply.txt", "found.txt", "value.txt"],
                 "validation": ["response.txt", "outcome.txt", "final.txt"]}


def _split(i: int) -> str:
    """The pools instance ``i`` draws from: validation instances are numbered 101-200, the rest are training."""
    return "validation" if 100 < i <= 200 else "train"


def _result_file(r: random.Random, i: int) -> str:
    return r.choice(_RESULT_FILES[_split(i)])


def _look() -> dict:
    return _do("Let me see what is in the workspace first.", "list_files", path=".")


def write_line(r: random.Random, i: int) -> dict:
    folder, name = r.choice(["notes", "memo", "drafts", "inbox"]), f"{r.choice(WORDS)}_{i}"
    text = f"{r.choice(WORDS)} {r.choice(WORDS)} {r.randint(10, 99)}"
    path = f"{folder}/{name}.txt"
    return {"instruction": f"Make a new file {path} whose only content is the line `{text}`.",
            "files": {"README.txt": "Scratch space for notes.\n"}, "solution": {path: text + "\n"},
            "check": _check("exact_file", path=path, text=text + "\n"),
            "steps": [_look(), _do("Write the file with exactly that line.", "write_file", path=path, content=text + "\n"),
                      _do("Check what the file holds.", "shell", command=f"cat {path}"),
                      {"answer": f"Created {path}; it holds the single line `{text}`."}]}


def json_settings(r: random.Random, i: int) -> dict:
    name = f"{r.choice(['settings', 'options', 'profile', 'prefs'])}_{i}.json"
    key1, key2 = r.sample(["theme", "owner", "region", "channel", "label"], 2)
    num_key = r.choice(["retries", "workers", "limit", "depth"])
    value, number = r.choice(WORDS), r.randint(2, 40)
    want = {key1: value, key2: r.choice(CITIES), num_key: number}
    parts = ", ".join(f'"{k}" set to {json.dumps(v)}' for k, v in want.items())
    return {"instruction": f"Write {name}: a JSON object with exactly these keys: {parts}.",
            "files": {"NOTES.txt": "Configuration lives in this folder.\n"},
            "solution": {name: json.dumps(want, indent=2) + "\n"},
            "check": _check("json_equals", path=name, value=want),
            "steps": [_look(), _do("Write the JSON object with the three keys.", "write_file", path=name,
                                   content=json.dumps(want, indent=2) + "\n"),
                      _do("Check that it parses as JSON.", "shell", command=f"python3 -m json.tool {name}"),
                      {"answer": f"Wrote {name} with {', '.join(want)}; it is valid JSON."}]}


def lookup_fact(r: random.Random, i: int) -> dict:
    names = r.sample(WORDS, 5)
    cities = r.sample(CITIES, 5)
    docks = r.sample(range(2, 20), 5)
    files = {f"depots/{n}_{i}.md": f"# Depot {n.title()}\n\nCity: {c}\nDocks: {d}\n" for n, c, d in zip(names, cities, docks)}
    k = r.randrange(5)
    out, page = _result_file(r, i), f"depots/{names[k]}_{i}.md"
    if r.random() < 0.5:
        return {"instruction": f"The depots/ folder has one page per depot. Which depot is in {cities[k]}? "
                               f"Put only the depot's name, in lower case, into {out}.",
                "files": files, "solution": {out: names[k] + "\n"}, "check": _check("one_word", path=out, word=names[k]),
                "steps": [_look(), _do(f"Search the depot pages for {cities[k]}.", "grep", pattern=f"City: {cities[k]}", path="depots"),
                          _do(f"The match is in the page of {names[k]}; read it to be sure.", "read_file", path=page),
                          _do("Write the name in lower case.", "write_file", path=out, content=names[k] + "\n"),
                          {"answer": f"The depot in {cities[k]} is {names[k]}; I wrote it to {out}."}]}
    return {"instruction": f"Each depot has a page in depots/. How many docks does the {names[k].title()} depot have? "
                           f"Save only the number in {out}.",
            "files": files, "solution": {out: f"{docks[k]}\n"}, "check": _check("one_word", path=out, word=str(docks[k])),
            "steps": [_do("Find the depot's page.", "list_files", path="depots"),
                      _do(f"Read the page of {names[k]}.", "read_file", path=page),
                      _do(f"It has {docks[k]} docks. Write the number.", "write_file", path=out, content=f"{docks[k]}\n"),
                      {"answer": f"The {names[k].title()} depot has {docks[k]} docks ({page}); I wrote {docks[k]} to {out}."}]}


def count_lines(r: random.Random, i: int) -> dict:
    level = r.choice(["WARN", "ERROR"])
    lines, n = [], 0
    for t in range(r.randint(12, 30)):
        lv = r.choice(LEVELS)
        n += lv == level
        lines.append(f"2026-03-{t % 28 + 1:02d} {lv} worker-{r.randint(1, 4)} {r.choice(WORDS)} step {t}")
    log = f"logs/worker_{i}.log"
    out = _result_file(r, i)
    return {"instruction": f"How many lines of {log} have the level {level}? Write just that number to {out}.",
            "files": {log: "\n".join(lines) + "\n"}, "solution": {out: f"{n}\n"},
            "check": _check("one_word", path=out, word=str(n)),
            "steps": [_look(), _do(f"Count the lines with the level {level}.", "shell", command=f"grep -c ' {level} ' {log}"),
                      _do(f"{n} lines. Write the number.", "write_file", path=out, content=f"{n}\n"),
                      {"answer": f"{log} has {n} lines with the level {level}; I wrote {n} to {out}."}]}


_OPS = [("area", "width * height", "width + height", "area(3, 4) should be 12", [[3, 4, 12], [2, 5, 10]]),
        ("perimeter", "2 * (width + height)", "2 * (width - height)", "perimeter(3, 4) should be 14", [[3, 4, 14], [1, 1, 4]]),
        ("average", "(width + height) / 2", "(width + height) * 2", "average(3, 5) should be 4", [[3, 5, 4], [2, 4, 3]]),
        ("difference", "width - height", "height - width", "difference(9, 4) should be 5", [[9, 4, 5], [5, 1, 4]])]


def fix_operator(r: random.Random, i: int) -> dict:
    func, right, wrong, hint, cases = r.choice(_OPS)
    module = f"geom_{r.choice(WORDS)}_{i}"
    src = lambda body: f"def {func}(width, height):\n    return {body}\n"  # noqa: E731
    a, b, want = cases[0]
    return {"instruction": f"{func}() in {module}.py gives wrong results: {hint}. Correct the expression it returns.",
            "files": {f"{module}.py": src(wrong)}, "solution": {f"{module}.py": src(right)},
            "check": _check("calls", module=module, func=func, cases=cases),
            "steps": [_do("Read the function first.", "read_file", path=f"{module}.py"),
                      _do(f"It returns {wrong}; it should return {right}.", "edit", path=f"{module}.py",
                          old_string=f"return {wrong}", new_string=f"return {right}"),
                      _do("Run it on the example.", "shell", command=f"python3 -c 'from {module} import {func}; print({func}({a}, {b}))'"),
                      {"answer": f"Fixed {func}() in {module}.py: it now returns {right}, and {func}({a}, {b}) gives {want}."}]}


_NEW = [("double", "x * 2", [[3, 6], [0, 0]]), ("square", "x * x", [[4, 16], [-3, 9]]),
        ("negate", "-x", [[5, -5], [-2, 2]]), ("is_even", "x % 2 == 0", [[4, True], [7, False]]),
        ("half", "x / 2", [[9, 4.5], [2, 1.0]]), ("plus_ten", "x + 10", [[1, 11], [-10, 0]])]


def add_function(r: random.Random, i: int) -> dict:
    func, body, cases = r.choice(_NEW)
    module = f"helpers_{r.choice(WORDS)}_{i}"
    base = "def identity(x):\n    return x\n"
    new = f"\n\ndef {func}(x):\n    return {body}\n"
    what = {"double": "twice x", "square": "x squared", "negate": "minus x", "is_even": "True when x is even, else False",
            "half": "x divided by 2", "plus_ten": "x plus 10"}[func]
    x, want = cases[0]
    return {"instruction": f"{module}.py has identity(x). Add a function {func}(x) to it that returns {what}.",
            "files": {f"{module}.py": base}, "solution": {f"{module}.py": base + new},
            "check": _check("calls", module=module, func=func, cases=cases),
            "steps": [_do("Read the module first.", "read_file", path=f"{module}.py"),
                      _do(f"Add {func} after identity.", "edit", path=f"{module}.py", old_string="    return x\n",
                          new_string="    return x\n" + new),
                      _do("Try it.", "shell", command=f"python3 -c 'from {module} import {func}; print({func}({x}))'"),
                      {"answer": f"Added {func}(x) to {module}.py; it returns {what} ({func}({x}) gives {want})."}]}


def rename_function(r: random.Random, i: int) -> dict:
    old, new = r.sample(["fetch_rows", "load_items", "read_entries", "collect_records", "gather_lines"], 2)
    lib, runner = f"store_{i}", f"run_{i}"
    lib_src = lambda n: f"def {n}():\n    return ['a', 'b']\n"  # noqa: E731
    run_src = lambda n: f"from {lib} import {n}\n\nprint(len({n}()))\n"  # noqa: E731
    return {"instruction": f"Rename the function {old} in {lib}.py to {new} and update its use in {runner}.py, "
                           f"so that `python3 {runner}.py` still prints 2.",
            "files": {f"{lib}.py": lib_src(old), f"{runner}.py": run_src(old)},
            "solution": {f"{lib}.py": lib_src(new), f"{runner}.py": run_src(new)},
            "check": _check("renamed", module=lib, runner=runner, old=old, new=new, prints="2"),
            "steps": [_do(f"Find every use of {old}.", "grep", pattern=old),
                      _do(f"Rename the definition in {lib}.py.", "edit", path=f"{lib}.py", old_string=f"def {old}(",
                          new_string=f"def {new}("),
                      _do(f"Update {runner}.py, which imports and calls it.", "edit", path=f"{runner}.py", old_string=old,
                          new_string=new, replace_all=True),
                      _do("Run the script.", "shell", command=f"python3 {runner}.py"),
                      {"answer": f"Renamed {old} to {new} in {lib}.py and {runner}.py; `python3 {runner}.py` still prints 2."}]}


def csv_sum(r: random.Random, i: int) -> dict:
    items = r.sample(ITEMS, r.randint(4, 7))
    qty = [r.randint(1, 60) for _ in items]
    qty[qty.index(max(qty))] += 1  # one largest qty, no tie
    bins = [r.choice(["", f"B{r.randint(1, 9)}", f"B{r.randint(1, 9)}"]) for _ in items]
    if "" not in bins:
        bins[r.randrange(len(bins))] = ""
    csv = "item,qty,bin\n" + "".join(f"{it},{q},{b}\n" for it, q, b in zip(items, qty, bins))
    name, out = f"stock_{i}.csv", _result_file(r, i)
    rows = "csv.DictReader(open('%s'))" % name
    kind = r.choice(["sum", "sum", "blank", "largest"])
    if kind == "sum":
        ask, value = f"What is the sum of the qty column? Write just the number to {out}.", sum(qty)
        code, what = f"print(sum(int(r['qty']) for r in {rows}))", "the qty column sums to"
    elif kind == "blank":
        ask, value = f"In how many rows is the bin field left blank? Save only that count in {out}.", bins.count("")
        code, what = f"print(sum(1 for r in {rows} if not r['bin'].strip()))", "the number of rows with a blank bin is"
    else:
        ask, value = f"Which item has the largest qty? Put just the item's name in {out}.", items[qty.index(max(qty))]
        code, what = f"rows = list({rows}); print(max(rows, key=lambda r: int(r['qty']))['item'])", "the item with the largest qty is"
    return _csv_task(f"{name} lists items with their qty and bin. {ask}", name, csv, out, value,
                     f"python3 -c \"import csv; {code}\"", f"In {name}, {what} {value}; I wrote it to {out}.")


def _csv_task(instruction: str, name: str, csv: str, out: str, value, command: str, answer: str,
              look: str = "Read the CSV file.", work: str = "Work it out with Python's csv module.") -> dict:
    """A question about one CSV file: read it, compute with Python, write the one-word result to ``out``."""
    return {"instruction": instruction,
            "files": {name: csv}, "solution": {out: f"{value}\n"}, "check": _check("one_word", path=out, word=str(value)),
            "steps": [_do(look, "read_file", path=name), _do(work, "shell", command=command),
                      _do(f"The result is {value}. Write it.", "write_file", path=out, content=f"{value}\n"),
                      {"answer": answer}]}


def _expect_error(step: dict) -> dict:
    return {**step, "expect_error": True}


# fix-by-test: (module stem, function, buggy line, fixed line, body around it, the test's cases, what the bug was)
_BUGS = [
    ("tally", "count_multiples", "for x in range(1, limit):", "for x in range(1, limit + 1):",
     "def count_multiples(limit, step):\n    found = 0\n    {line}\n        if x % step == 0:\n            found += 1\n    return found\n",
     [("count_multiples(10, 5)", 2), ("count_multiples(9, 3)", 3), ("count_multiples(4, 7)", 0)],
     "the range stopped one short of limit, so limit itself was never counted"),
    ("grades", "passing", "return [s for s in scores if s > cutoff]", "return [s for s in scores if s >= cutoff]",
     "def passing(scores, cutoff):\n    {line}\n",
     [("passing([40, 50, 70], 50)", [50, 70]), ("passing([10, 20], 30)", [])],
     "it compared with > so a score equal to the cutoff was dropped; it now uses >="),
    ("lexicon", "longest", "return words[0]", "return best",
     "def longest(words):\n    best = ''\n    for w in words:\n        if len(w) > len(best):\n            best = w\n    {line}\n",
     [("longest(['ox', 'heron', 'emu'])", "heron"), ("longest(['kiwi'])", "kiwi")],
     "it returned the first word instead of the longest one it had found"),
    ("signs", "describe", "return 'negative'", "if n == 0:\n        return 'zero'\n    return 'negative'",
     "def describe(n):\n    if n > 0:\n        return 'positive'\n    {line}\n",
     [("describe(3)", "positive"), ("describe(-2)", "negative"), ("describe(0)", "zero")],
     "zero had no case of its own and was called negative; it now returns 'zero'"),
    ("bounds", "clamp", "return max(high, min(low, value))", "return max(low, min(high, value))",
     "def clamp(value, low, high):\n    {line}\n",
     [("clamp(5, 0, 10)", 5), ("clamp(-4, 0, 10)", 0), ("clamp(99, 0, 10)", 10)],
     "low and high were swapped in the min/max expression"),
    ("series", "last_n", "return items[-n + 1:]", "return items[-n:]",
     "def last_n(items, n):\n    {line}\n",
     [("last_n([1, 2, 3, 4], 2)", [3, 4]), ("last_n(['a', 'b', 'c'], 3)", ["a", "b", "c"])],
     "the slice started one element too late; it is items[-n:] now"),
]


def fix_by_test(r: random.Random, i: int) -> dict:
    stem, func, bad, good, body, cases, why = r.choice(_BUGS)
    module = f"{stem}_{r.choice(WORDS)}_{i}"
    src = lambda line: body.replace("{line}", line)  # noqa: E731
    use_pytest = r.random() < 0.5
    if use_pytest:
        test = f"test_{module}.py"
        lines = [f"from {module} import {func}\n\n"]
        for n, (call, want) in enumerate(cases, 1):
            lines.append(f"\ndef test_{func}_{n}():\n    assert {call} == {want!r}\n")
        run = f"python -m pytest -q {test}"
        check = f"python -m pytest -q -p no:cacheprovider {test}"
        how = f"`{run}`"
    else:
        test = f"check_{module}.py"
        lines = [f"from {module} import {func}\n\n"]
        for call, want in cases:
            lines.append(f"got = {call}\nassert got == {want!r}, f\"{call} gave {{got!r}}, expected {want!r}\"\n")
        lines.append("print('all checks passed')\n")
        run = check = f"python {test}"
        how = f"`{run}`"
    test_src = "".join(lines)
    verb = r.choice(["fails", "does not pass", "reports a failure"])
    tid = f"fix-by-test-{i:03d}"
    return {"instruction": f"{test} {verb}: {module}.py has a bug. Repair the module, leave the test as it is, "
                           f"and confirm with {how}.",
            "files": {f"{module}.py": src(bad), test: test_src}, "solution": {f"{module}.py": src(good)},
            "check": f"cp -f \"$SUITE_DIR/{tid}/workspace/{test}\" {test} && {check}",
            "steps": [_expect_error(_do("Run the test first to see what fails.", "shell", command=run)),
                      _do(f"The test of {func} fails. Read {module}.py.", "read_file", path=f"{module}.py"),
                      _do(f"Found it: {why.split(';')[0]}. Fix that line.", "edit", path=f"{module}.py",
                          old_string=bad, new_string=good),
                      _do("Run the test again.", "shell", command=run),
                      {"answer": f"Fixed {func}() in {module}.py: {why}. {test} now passes ({how}); the test is unchanged."}]}


# add-parameter: (function, old source, new source, old call, new call, the parameter in words, cases)
_PARAMS = [
    ("join_words", "def join_words(words):\n    return ' '.join(words)\n",
     "def join_words(words, sep=' '):\n    return sep.join(words)\n", "sep", "' '", "the separator put between the words",
     [{"args": [["a", "b"]], "want": "a b"}, {"args": [["a", "b", "c"]], "kwargs": {"sep": "+"}, "want": "a+b+c"}]),
    ("label", "def label(name):\n    return name.title()\n",
     "def label(name, prefix=''):\n    return prefix + name.title()\n", "prefix", "''", "text put in front of the result",
     [{"args": ["ada"], "want": "Ada"}, {"args": ["ada"], "kwargs": {"prefix": "Dr. "}, "want": "Dr. Ada"}]),
    ("ratio", "def ratio(part, whole):\n    return round(part / whole, 2)\n",
     "def ratio(part, whole, digits=2):\n    return round(part / whole, digits)\n", "digits", "2",
     "the number of decimal digits to round to",
     [{"args": [1, 3], "want": 0.33}, {"args": [1, 3], "kwargs": {"digits": 4}, "want": 0.3333}]),
    ("pad", "def pad(text, width):\n    return text.ljust(width)\n",
     "def pad(text, width, fill=' '):\n    return text.ljust(width, fill)\n", "fill", "' '",
     "the character used to fill up to width",
     [{"args": ["ab", 4], "want": "ab  "}, {"args": ["ab", 5], "kwargs": {"fill": "."}, "want": "ab..."}]),
    ("percent", "def percent(part, whole):\n    return f'{round(100 * part / whole)}%'\n",
     "def percent(part, whole, suffix='%'):\n    return f'{round(100 * part / whole)}{suffix}'\n", "suffix", "'%'",
     "the text written after the number",
     [{"args": [1, 4], "want": "25%"}, {"args": [1, 4], "kwargs": {"suffix": " pct"}, "want": "25 pct"}]),
    ("shorten", "def shorten(text, limit):\n    if len(text) <= limit:\n        return text\n    return text[:limit] + '...'\n",
     "def shorten(text, limit, marker='...'):\n    if len(text) <= limit:\n        return text\n    return text[:limit] + marker\n",
     "marker", "'...'", "what is appended when the text is cut",
     [{"args": ["abcdef", 3], "want": "abc..."}, {"args": ["abcdef", 3], "kwargs": {"marker": "~"}, "want": "abc~"},
      {"args": ["ab", 3], "kwargs": {"marker": "~"}, "want": "ab"}]),
]


def add_parameter(r: random.Random, i: int) -> dict:
    func, old, new, param, default, meaning, cases = r.choice(_PARAMS)
    module = f"fmt_{r.choice(WORDS)}_{i}"
    plain, keyed = cases[0], cases[1]
    call = lambda c: f"{func}({', '.join([*map(repr, c['args']), *(f'{k}={v!r}' for k, v in c.get('kwargs', {}).items())])})"  # noqa: E731
    example = f"{call(keyed)} returns {keyed['want']!r}"
    return {"instruction": f"Give {func}() in {module}.py a keyword parameter {param} (default {default}): {meaning}. "
                           f"For example {example}; calls without {param} must behave as before.",
            "files": {f"{module}.py": old}, "solution": {f"{module}.py": new},
            "check": _check("calls", module=module, func=func, cases=cases),
            "steps": [_do("Read the function first.", "read_file", path=f"{module}.py"),
                      _do(f"Add {param}={default} to the signature and use it in the body.", "edit", path=f"{module}.py",
                          old_string=old, new_string=new),
                      _do("Try a call without the new parameter and one with it.", "shell",
                          command=f"python3 -c \"from {module} import {func}; print(repr({call(plain)})); print(repr({call(keyed)}))\""),
                      {"answer": f"{func}() in {module}.py now takes {param}={default}; {call(plain)} still returns "
                                 f"{plain['want']!r} and {example}."}]}


_VERBS = ["parse", "load", "render", "merge", "score", "build", "clean", "split"]
_NOUNS = ["invoice", "tariff", "route", "ticket", "sample", "badge", "voucher", "manifest", "shipment", "roster"]


def find_definition(r: random.Random, i: int) -> dict:
    root = r.choice(["src", "lib", "pkg", "app_code"])
    subs = r.sample(["core", "utils", "io", "model", "views"], 2)
    stems = r.sample(["helpers", "readers", "writers", "rules", "format", "tables", "checks", "units"], 5)
    paths = [f"{root}/{stems[0]}_{i}.py", f"{root}/{subs[0]}/{stems[1]}_{i}.py", f"{root}/{subs[0]}/{stems[2]}_{i}.py",
             f"{root}/{subs[1]}/{stems[3]}_{i}.py", f"{root}/{subs[1]}/{stems[4]}_{i}.py"]
    names = [f"{v}_{n}" for v, n in zip(r.sample(_VERBS, 5), r.sample(_NOUNS, 5))]
    is_class = r.random() < 0.3
    home = r.randrange(5)
    target = "".join(p.title() for p in names[home].split("_")) if is_class else names[home]
    files = {}
    for k, path in enumerate(paths):
        own = target if k == home else names[k]
        if k == home and is_class:
            text = f"class {own}:\n    def __init__(self, data):\n        self.data = data\n"
        else:
            text = f"def {own}(data):\n    return list(data)\n"
        if k != home:  # others use the target, so a plain search finds it in several files
            text = f"# uses {target}\n\n" + text + f"\n\ndef run_{k}(rows):\n    return {target}(rows)\n"
        files[path] = text
    out = _result_file(r, i)
    kind = "class" if is_class else "function"
    pattern = f"{'class' if is_class else 'def'} {target}"
    return {"instruction": f"Which file under {root}/ defines the {kind} {target}? Write that file's path, relative to "
                           f"the workspace (for example {root}/x.py), into {out}.",
            "files": files, "solution": {out: paths[home] + "\n"}, "check": _check("rel_path", path=out, want=paths[home]),
            "steps": [_do(f"Search for the definition itself, not the uses: `{pattern}`.", "shell",
                          command=f"grep -rn \"{pattern}\" {root}"),
                      _do(f"Only {paths[home]} defines it. Read it to be sure.", "read_file", path=paths[home]),
                      _do("Write the relative path.", "write_file", path=out, content=paths[home] + "\n"),
                      {"answer": f"The {kind} {target} is defined in {paths[home]} (found with `grep -rn \"{pattern}\" "
                                 f"{root}`; the other files only use it). I wrote that path to {out}."}]}


_MARKERS = ["FIXME", "XXX", "HACK", "deprecated", "NOTE(perf)", "REVIEW"]


def count_marker(r: random.Random, i: int) -> dict:
    marker = r.choice(_MARKERS)
    folder = r.choice(["code", "project", "tree", "work"])
    layout = [f"{folder}/{r.choice(['main', 'entry'])}_{i}.py", f"{folder}/docs_{i}/guide_{i}.md",
              f"{folder}/parts_{i}/alpha_{i}.py", f"{folder}/parts_{i}/deep_{i}/beta_{i}.py", f"{folder}/notes_{i}.txt"]
    files, total, lines_with = {}, 0, 0
    for path in layout:
        lines = []
        for t in range(r.randint(3, 7)):
            hits = r.choice([0, 0, 1, 1, 2])
            line = f"# step {t}: {r.choice(WORDS)} {r.choice(WORDS)}"
            if hits:
                line += "".join(f" {marker} {r.choice(WORDS)}" for _ in range(hits))
            total += hits
            lines_with += hits > 0
            lines.append(line)
        files[path] = "\n".join(lines) + "\n"
    if total == lines_with:  # make sure a line holds it twice, so counting lines is not enough
        files[layout[0]] += f"# {marker} once, {marker} twice\n"
        total += 2
        lines_with += 1
    out = _result_file(r, i)
    ask = r.choice([f"How many times does the marker {marker} appear in the files under {folder}/, sub-folders "
                    f"included? Count every occurrence (a line can hold it more than once) and save the number in {out}.",
                    f"Count how often the marker {marker} occurs in the files under {folder}/ and its sub-folders; every "
                    f"occurrence counts, even two on one line. Save the number in {out}."])
    return {"instruction": ask,
            "files": files, "solution": {out: f"{total}\n"}, "check": _check("one_word", path=out, word=str(total)),
            "steps": [_do(f"See where {marker} appears.", "shell", command=f"grep -rn -F '{marker}' {folder}"),
                      _do(f"{lines_with} lines match but some hold it twice; count occurrences, not lines.", "shell",
                          command=f"grep -r -o -F '{marker}' {folder} | wc -l"),
                      _do(f"{total} occurrences. Write the number.", "write_file", path=out, content=f"{total}\n"),
                      {"answer": f"{marker} occurs {total} times under {folder}/ (on {lines_with} lines; counted with "
                                 f"`grep -r -o -F '{marker}' {folder} | wc -l`). I wrote {total} to {out}."}]}


# cli-script: (stem, what it does, default, source, args of the example run, its output, output without args)
_SCRIPTS = [
    ("add_up", "prints the sum of the integer arguments", "prints 0 when there are none",
     "import sys\n\nprint(sum(int(a) for a in sys.argv[1:]))\n", ["3", "4", "5"], "12", "0"),
    ("repeat", "prints its first argument (a word) three times, separated by single spaces", "uses the word `hey` when no word is given",
     "import sys\n\nword = sys.argv[1] if len(sys.argv) > 1 else 'hey'\nprint(' '.join([word] * 3))\n", ["ping"], "ping ping ping",
     "hey hey hey"),
    ("biggest", "prints the largest of its integer arguments", "prints `none` when there are none",
     "import sys\n\nnums = [int(a) for a in sys.argv[1:]]\nprint(max(nums) if nums else 'none')\n", ["7", "42", "9"], "42", "none"),
    ("initials", "prints the initials of the words it is given, each followed by a dot (Ada Lovelace -> A.L.)",
     "prints `?` when there are none",
     "import sys\n\nwords = sys.argv[1:]\nprint(''.join(w[0].upper() + '.' for w in words) if words else '?')\n",
     ["grace", "hopper"], "G.H.", "?"),
    ("countdown", "prints the numbers from N down to 1 on one line, separated by spaces (N is the first argument)",
     "uses N = 3 when no argument is given",
     "import sys\n\nn = int(sys.argv[1]) if len(sys.argv) > 1 else 3\nprint(' '.join(str(k) for k in range(n, 0, -1)))\n",
     ["5"], "5 4 3 2 1", "3 2 1"),
    ("char_count", "prints how many characters its arguments have together, spaces between them not counted",
     "prints 0 when there are none", "import sys\n\nprint(sum(len(a) for a in sys.argv[1:]))\n", ["ab", "cde"], "5", "0"),
]


def cli_script(r: random.Random, i: int) -> dict:
    stem, what, default, src, args, out, bare = r.choice(_SCRIPTS)
    script = f"{stem}_{i}.py"
    example = " ".join([f"python {script}", *args])
    return {"instruction": f"Write a command-line script {script} that {what}, and {default}. "
                           f"For example `{example}` prints `{out}`.",
            "files": {"NOTES.txt": "Small command-line tools live here.\n"}, "solution": {script: src},
            "check": _check("script_runs", script=script, cases=[[args, out], [[], bare], *_SCRIPT_EXTRA[stem]]),
            "steps": [_do("Write the script; the arguments are in sys.argv[1:].", "write_file", path=script, content=src),
                      _do("Run it with arguments.", "shell", command=example),
                      _do("And without arguments, for the default.", "shell", command=f"python {script}"),
                      {"answer": f"Created {script}: it {what}, and {default}. `{example}` prints `{out}`; "
                                 f"`python {script}` prints `{bare}`."}]}


_SCRIPT_EXTRA = {"add_up": [[["-2", "2"], "0"]], "repeat": [[["ok"], "ok ok ok"]], "biggest": [[["-5", "-1"], "-1"]],
                 "initials": [[["linus"], "L."]], "countdown": [[["1"], "1"]], "char_count": [[["x"], "1"]]}


# survey: (project, purpose, key words, train module stems, validation module stems)
_PROJECTS = [
    ("tidelog", "turns raw tide gauge readings into hourly summaries", ["tide", "gauge", "summar"],
     ["readings", "summary", "gauge_io"], ["samples", "hourly", "sensor_feed"]),
    ("shelfkeeper", "tracks which books a small library has lent out and when they are due", ["library", "book", "lent", "loan"],
     ["loans", "catalogue", "due_dates"], ["borrowers", "holdings", "reminders"]),
    ("mealscale", "converts recipe quantities between metric and imperial units", ["recipe", "metric", "imperial", "unit"],
     ["quantities", "conversions", "recipes"], ["measures", "scaling", "ingredients"]),
    ("rotaplan", "schedules volunteer shifts for a community food bank", ["volunteer", "shift", "food bank", "schedul"],
     ["shifts", "volunteers", "calendar"], ["rota", "helpers", "slots"]),
    ("dupefinder", "finds duplicate photos in a folder by comparing image hashes", ["duplicate", "photo", "image"],
     ["hashing", "scanner", "photos"], ["fingerprints", "walker", "pictures"]),
    ("pennywise", "keeps a ledger of household expenses and checks them against monthly budgets",
     ["expense", "budget", "ledger"], ["journal", "budgets", "categories"], ["expenses", "limits", "monthly"]),
    ("busnext", "reads bus timetables and tells you the next departure from a stop", ["bus", "timetable", "departure"],
     ["timetable", "stops", "departures"], ["schedule", "routes", "next_bus"]),
    ("ballotbox", "counts the votes of a club election and announces the winner", ["vote", "election", "ballot"],
     ["ballots", "tally", "winner"], ["voting", "counting", "results"]),
]
_SURVEY_ASK = [
    "List the Python files in this project and say what the project is for.",
    "What is this project for? Name every Python file it contains.",
    "Give me a quick overview: which .py files are here, and what does the code do?",
    "I am new to this codebase. Which Python source files does it have, and what is its purpose?",
    "Summarise the project in this workspace: its purpose and each of its Python modules.",
    "Look around this repository and tell me what it does; list all of its Python files too.",
    "Before we change anything: what does this project do, and which .py files make it up?",
    "Which Python files are in this folder, and what is the software here meant to do?",
]
_READMES = ["README.md", "README.md", "README.rst", "README.txt", "readme.md", None]  # None: no README
_SURVEY_TAIL = ["", " Do not change anything.", " Keep the answer short.", " Only look; no edits.", " A few lines are enough."]


def survey(r: random.Random, i: int) -> dict:
    project, purpose, keys, train_stems, val_stems = r.choice(_PROJECTS)
    held_out = _split(i) == "validation"
    stems = val_stems if held_out else train_stems  # no module name is shared by validation and training
    n = r.randint(2, 3)
    package = r.random() < 0.5
    py = [f"{project}/{s}.py" if package else f"{s}.py" for s in stems[:n]]
    if package:
        py.append(("start_" if held_out else "run_") + project + ".py")
    files = {p: f'"""The {Path(p).stem.replace("_", " ")} of {project}."""\n\n\ndef {Path(p).stem}_rows(rows):\n    return list(rows)\n'
             for p in py}
    if package:
        first = Path(py[0]).stem
        files[py[-1]] = (f'"""Run {project} from the command line."""\n\nimport sys\n\nfrom {project} import {first}\n\n'
                         f'if __name__ == "__main__":\n    print({first}.{first}_rows(sys.argv[1:]))\n')
    readme = r.choice(_READMES)
    if readme:
        files[readme] = f"# {project}\n\n{project.title()} {purpose}.\n\nRun it with python.\n"
    else:  # no README: the entry module's docstring says what the project is for
        files[py[-1]] = f'"""{project.title()} {purpose}."""\n' + files[py[-1]].split('\n', 1)[1]
    ask = _SURVEY_ASK[i % len(_SURVEY_ASK)] + _SURVEY_TAIL[(i // len(_SURVEY_ASK)) % len(_SURVEY_TAIL)]
    listing = (_do("Find every Python file, sub-folders included.", "glob", pattern="**/*.py") if r.random() < 0.5
               else _do("List the workspace two levels deep to see every file.", "list_files", path=".", depth=2))
    names = ", ".join(py)
    source = readme or py[-1]
    answer = (f"{project.title()} {purpose} (that is what {source} says). Its Python files are: {names}.")
    steps = [listing, _do(f"{source} should say what the project is for.", "read_file", path=source)]
    if package and readme:
        steps.append(_do(f"Glance at the entry script {py[-1]}.", "read_file", path=py[-1]))
    steps.append({"answer": answer})
    return {"instruction": ask, "files": files, "solution": {REFERENCE_ANSWER: answer + "\n"},
            "check": _check("answer_names", files=py, keywords=keys), "steps": steps}


# write-module: (function, parameters, what it returns, body, cases [arg..., want]); train and validation draw from
# separate pools, so a validation task asks for a function no demo wrote
_FUNCS = {"train": [
    ("count_vowels", "text", "how many vowels (a, e, i, o, u, either case) text has",
     "    return sum(1 for ch in text.lower() if ch in 'aeiou')\n", [["Heron", 2], ["xyz", 0], ["AEIOU", 5]]),
    ("clamp_value", "x, low, high", "x limited to the range low..high",
     "    if x < low:\n        return low\n    if x > high:\n        return high\n    return x\n",
     [[5, 0, 10, 5], [-3, 0, 10, 0], [42, 0, 10, 10]]),
    ("factorial", "n", "n! (1 for n = 0)",
     "    result = 1\n    for k in range(2, n + 1):\n        result *= k\n    return result\n", [[0, 1], [5, 120], [1, 1]]),
    ("digit_sum", "n", "the sum of the decimal digits of the non-negative integer n",
     "    return sum(int(d) for d in str(n))\n", [[123, 6], [0, 0], [9999, 36]]),
    ("last_item", "items", "the last element of items, or None when items is empty",
     "    if not items:\n        return None\n    return items[-1]\n", [[[1, 2, 3], 3], [[], None], [["a"], "a"]]),
    ("gcd", "a, b", "the greatest common divisor of two positive integers",
     "    while b:\n        a, b = b, a % b\n    return a\n", [[12, 18, 6], [7, 5, 1], [10, 10, 10]]),
    ("is_prime", "n", "True when the integer n is a prime number, else False",
     "    if n < 2:\n        return False\n    for k in range(2, int(n ** 0.5) + 1):\n        if n % k == 0:\n"
     "            return False\n    return True\n", [[2, True], [9, False], [13, True], [1, False]]),
    ("squares", "n", "the list of the squares of 1..n",
     "    return [k * k for k in range(1, n + 1)]\n", [[3, [1, 4, 9]], [0, []], [1, [1]]]),
    ("only_even", "values", "a list of the even numbers in values, in order",
     "    return [v for v in values if v % 2 == 0]\n", [[[1, 2, 3, 4], [2, 4]], [[5, 7], []], [[0], [0]]]),
    ("repeat_text", "text, times", "text repeated times times, joined by '-'",
     "    return '-'.join([text] * times)\n", [["ab", 3, "ab-ab-ab"], ["x", 1, "x"], ["ok", 0, ""]]),
    ("to_clock", "minutes", "the minutes as a string H:MM (125 -> '2:05')",
     "    return f'{minutes // 60}:{minutes % 60:02d}'\n", [[125, "2:05"], [59, "0:59"], [600, "10:00"]]),
    ("longest_word", "text", "the longest word of text (the first one on a tie)",
     "    best = ''\n    for word in text.split():\n        if len(word) > len(best):\n            best = word\n    return best\n",
     [["a quick fox", "quick"], ["to be", "to"], ["", ""]]),
    ("merge_dicts", "a, b", "a new dict with the keys of a and b (b wins on a shared key)",
     "    merged = dict(a)\n    merged.update(b)\n    return merged\n",
     [[{"x": 1}, {"y": 2}, {"x": 1, "y": 2}], [{"x": 1}, {"x": 3}, {"x": 3}], [{}, {}, {}]]),
    ("unique", "values", "the values without duplicates, first occurrences kept in order",
     "    seen = []\n    for v in values:\n        if v not in seen:\n            seen.append(v)\n    return seen\n",
     [[[3, 1, 3, 2, 1], [3, 1, 2]], [[], []], [["a", "a"], ["a"]]]),
    ("percent_of", "part, whole", "part as a percentage of whole, rounded to one decimal",
     "    return round(100 * part / whole, 1)\n", [[1, 3, 33.3], [5, 10, 50.0], [2, 8, 25.0]]),
    ("is_sorted", "values", "True when values is in ascending order, else False",
     "    return all(a <= b for a, b in zip(values, values[1:]))\n", [[[1, 2, 2, 5], True], [[3, 1], False], [[], True]]),
    ("product", "values", "the product of the numbers in values (1 for an empty list)",
     "    result = 1\n    for v in values:\n        result *= v\n    return result\n", [[[2, 3, 4], 24], [[], 1], [[-2, 5], -10]]),
    ("is_power_of_two", "n", "True when the positive integer n is a power of two, else False",
     "    while n > 1 and n % 2 == 0:\n        n //= 2\n    return n == 1\n", [[8, True], [12, False], [1, True]]),
    ("remove_spaces", "text", "text with every space removed",
     "    return text.replace(' ', '')\n", [["a b c", "abc"], ["none", "none"], ["  ", ""]]),
    ("second_largest", "values", "the second largest distinct number in values",
     "    return sorted(set(values))[-2]\n", [[[4, 9, 2, 9], 4], [[1, 2], 1], [[-1, -5, -3], -3]]),
    ("count_positive", "values", "how many numbers in values are greater than zero",
     "    return sum(1 for v in values if v > 0)\n", [[[1, -2, 3, 0], 2], [[], 0], [[-1], 0]]),
    ("sign", "x", "-1 for a negative number, 0 for zero and 1 for a positive number",
     "    if x > 0:\n        return 1\n    if x < 0:\n        return -1\n    return 0\n", [[7, 1], [-2.5, -1], [0, 0]]),
    ("median", "values", "the median of a non-empty list of numbers",
     "    ordered = sorted(values)\n    mid = len(ordered) // 2\n    if len(ordered) % 2:\n        return ordered[mid]\n"
     "    return (ordered[mid - 1] + ordered[mid]) / 2\n", [[[3, 1, 2], 2], [[4, 1, 3, 2], 2.5], [[7], 7]]),
    ("fibonacci", "n", "the n-th Fibonacci number (fibonacci(0) = 0, fibonacci(1) = 1)",
     "    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n", [[0, 0], [1, 1], [10, 55]]),
    ("title_words", "text", "text with the first letter of every word in upper case",
     "    return ' '.join(word.capitalize() for word in text.split())\n", [["big red box", "Big Red Box"], ["a", "A"], ["", ""]]),
    ("km_to_miles", "km", "the distance km in miles, rounded to two decimals (1 km = 0.621371 miles)",
     "    return round(km * 0.621371, 2)\n", [[10, 6.21], [0, 0.0], [42.195, 26.22]]),
], "validation": [
    ("count_upper", "text", "how many upper-case letters text has",
     "    return sum(1 for ch in text if ch.isupper())\n", [["Hello World", 2], ["abc", 0], ["ABC", 3]]),
    ("cube_all", "values", "a list of the cubes of the numbers in values",
     "    return [v ** 3 for v in values]\n", [[[1, 2, 3], [1, 8, 27]], [[], []], [[-2], [-8]]]),
    ("lcm", "a, b", "the least common multiple of two positive integers",
     "    m = max(a, b)\n    while m % a or m % b:\n        m += 1\n    return m\n", [[4, 6, 12], [3, 5, 15], [7, 7, 7]]),
    ("first_item", "items", "the first element of items, or None when items is empty",
     "    if not items:\n        return None\n    return items[0]\n", [[[5, 6], 5], [[], None], [["z"], "z"]]),
    ("kg_to_pounds", "kg", "the weight kg in pounds, rounded to one decimal (1 kg = 2.20462 pounds)",
     "    return round(kg * 2.20462, 1)\n", [[10, 22.0], [0, 0.0], [3.5, 7.7]]),
    ("shortest_word", "text", "the shortest word of text (the first one on a tie)",
     "    words = text.split()\n    best = words[0]\n    for word in words:\n        if len(word) < len(best):\n"
     "            best = word\n    return best\n", [["a quick fox", "a"], ["red sea", "red"], ["oak", "oak"]]),
    ("count_odd", "values", "how many odd integers values holds",
     "    return sum(1 for v in values if v % 2)\n", [[[1, 2, 3], 2], [[], 0], [[4, 6], 0]]),
    ("join_lines", "lines", "the strings of lines joined with newlines, ending with one newline",
     "    return '\\n'.join(lines) + '\\n'\n", [[["a", "b"], "a\nb\n"], [["x"], "x\n"], [[], "\n"]]),
]}
_MODULE_STEMS = {"train": ["toolbox", "pytools", "mathbits", "textkit", "utils", "numbers_lib", "listkit", "handy", "misc",
                           "funcs"],
                 "validation": ["common", "library", "snippets", "tools", "basics", "extras"]}
_WRITE_ASK = [
    "Create {path} with a function {sig} that returns {what}.",
    "Write a new module {path}. It needs {sig}, returning {what}.",
    "I need {path}: define {sig} so that it returns {what}.",
    "Add a file {path} containing {sig}; the function returns {what}.",
    "Make {path} with one function, {sig}, which gives {what}.",
]


def write_module(r: random.Random, i: int) -> dict:
    func, params, what, body, cases = r.choice(_FUNCS[_split(i)])
    module = r.choice(_MODULE_STEMS[_split(i)])
    path, sig = f"{module}.py", f"{func}({params})"
    src = f"def {sig}:\n{body}"
    *args, want = cases[0]
    call = f"{func}({', '.join(map(repr, args))})"
    ask = _WRITE_ASK[i % len(_WRITE_ASK)].format(path=path, sig=sig, what=what)
    files = {"NOTES.txt": "Python helpers go in this folder.\n"}
    steps = [_do(f"Write {path} with {func}.", "write_file", path=path, content=src),
             _do("Try it on an example.", "shell", command=f"python3 -c \"from {module} import {func}; print({call})\""),
             {"answer": f"Created {path} with {sig}, which returns {what}; {call} gives {want!r}."}]
    if r.random() < 0.5:
        steps.insert(0, _look())
    return {"instruction": ask, "files": files, "solution": {path: src},
            "check": _check("calls", module=module, func=func, cases=cases), "steps": steps}


# add-method: (class, module stem, its source, the method it has, [(new method, its source, what it does, cases)])
# (a case's code quotes with " and its result is a list: the check's JSON goes inside single quotes in the shell)
_CLASSES = [
    ("Tray", "trays", "class Tray:\n    def __init__(self):\n        self.things = []\n\n    def put(self, thing):\n"
     "        self.things.append(thing)\n", "put",
     [("newest", "    def newest(self):\n        if not self.things:\n            return None\n        return self.things[-1]\n",
       "returns the thing put last, or None when the tray is empty (it removes nothing)",
       [('t = Tray(); t.put("a"); t.put("b"); got = t.newest()', "b"), ("got = Tray().newest()", None),
        ("t = Tray(); t.put(1); t.newest(); got = t.things", [1])]),
      ("emptied", "    def emptied(self):\n        taken = self.things\n        self.things = []\n        return taken\n",
       "removes every thing and returns them as a list",
       [("t = Tray(); t.put(4); t.put(5); got = [t.emptied(), t.things]", [[4, 5], []])])]),
    ("Ledger", "books", "class Ledger:\n    def __init__(self):\n        self.entries = []\n\n    def record(self, amount):\n"
     "        self.entries.append(amount)\n", "record",
     [("balance", "    def balance(self):\n        return sum(self.entries)\n",
       "returns the sum of every recorded amount (0 when nothing was recorded)",
       [("g = Ledger(); g.record(5); g.record(-2); got = g.balance()", 3), ("got = Ledger().balance()", 0)]),
      ("entry_count", "    def entry_count(self):\n        return len(self.entries)\n",
       "returns how many amounts were recorded",
       [("g = Ledger(); g.record(7); g.record(7); got = g.entry_count()", 2)])]),
    ("Roster", "teams", "class Roster:\n    def __init__(self):\n        self.names = []\n\n    def enrol(self, name):\n"
     "        self.names.append(name)\n", "enrol",
     [("has", "    def has(self, name):\n        return name in self.names\n",
       "returns True when that name was enrolled, else False",
       [('r = Roster(); r.enrol("ada"); got = [r.has("ada"), r.has("bob")]', [True, False])]),
      ("drop", "    def drop(self, name):\n        if name in self.names:\n            self.names.remove(name)\n",
       "removes that name, and does nothing when the name is not enrolled",
       [('r = Roster(); r.enrol("ada"); r.enrol("bob"); r.drop("ada"); r.drop("zed"); got = r.names', ["bob"])])]),
    ("Meter", "gauges", "class Meter:\n    def __init__(self):\n        self.value = 0\n\n    def tick(self):\n"
     "        self.value += 1\n", "tick",
     [("reset", "    def reset(self):\n        self.value = 0\n", "sets the value back to 0",
       [("m = Meter(); m.tick(); m.tick(); m.reset(); got = m.value", 0),
        ("m = Meter(); m.reset(); m.tick(); got = m.value", 1)]),
      ("advance", "    def advance(self, steps):\n        self.value += steps\n", "adds steps to the value in one go",
       [("m = Meter(); m.tick(); m.advance(5); got = m.value", 6)])]),
    ("Wallet", "purses", "class Wallet:\n    def __init__(self):\n        self.coins = 0\n\n    def deposit(self, n):\n"
     "        self.coins += n\n", "deposit",
     [("spend", "    def spend(self, n):\n        if n > self.coins:\n            raise ValueError('not enough coins')\n"
       "        self.coins -= n\n", "takes n away from the coins, and raises ValueError when n is more than the coins held",
       [("w = Wallet(); w.deposit(10); w.spend(4); got = w.coins", 6),
        ('w = Wallet(); w.deposit(1)\ntry:\n    w.spend(5)\n    got = "no error"\nexcept ValueError:\n    got = "ValueError"',
         "ValueError")]),
      ("is_broke", "    def is_broke(self):\n        return self.coins == 0\n", "returns True when it holds no coins",
       [("w = Wallet(); a = w.is_broke(); w.deposit(2); got = [a, w.is_broke()]", [True, False])])]),
    ("Playlist", "tracks", "class Playlist:\n    def __init__(self):\n        self.songs = []\n\n    def add_song(self, title):\n"
     "        self.songs.append(title)\n", "add_song",
     [("size", "    def size(self):\n        return len(self.songs)\n", "returns how many songs it holds",
       [('p = Playlist(); p.add_song("x"); p.add_song("y"); got = p.size()', 2), ("got = Playlist().size()", 0)]),
      ("opener", "    def opener(self):\n        return self.songs[0] if self.songs else None\n",
       "returns the first song added, or None when there is none",
       [('p = Playlist(); p.add_song("x"); p.add_song("y"); got = p.opener()', "x"), ("got = Playlist().opener()", None)])]),
]


def add_method(r: random.Random, i: int) -> dict:
    cls, stem, src, has, methods = r.choice(_CLASSES)
    module = f"{stem}_{r.choice(WORDS)}_{i}"
    wanted = methods if r.random() < 0.4 else [r.choice(methods)]
    names = " and ".join(f"{m[0]}()" for m in wanted)
    if len(wanted) == 1:
        ask = f"Give {cls} a new method {wanted[0][0]}() that {wanted[0][2]}."
    else:
        (first, _, does, _), (second, _, does2, _) = wanted
        ask = f"Give {cls} two new methods: {first}(), which {does}, and {second}(), which {does2}."
    last = src.splitlines(keepends=True)[-1]
    added = "".join("\n" + m[1] for m in wanted)
    cases = [{"code": code, "want": want} for m in wanted for code, want in m[3]]
    code, want = wanted[-1][3][0]  # the first case of the last method, run as the demo's try
    setup, result = code.rsplit("got = ", 1)
    steps = [_do(f"Read {module}.py to see how {cls} keeps its data.", "read_file", path=f"{module}.py"),
             _do(f"Add {names} at the end of the class, in the same style as {has}().", "edit", path=f"{module}.py",
                 old_string=last, new_string=last + added)]
    answer = f"Added {names} to {cls} in {module}.py."
    if "\n" not in code:  # a one-line case runs inside python3 -c "..."
        probe = f"{setup}print({result})".replace('"', "'")
        steps.append(_do("Try it.", "shell", command=f"python3 -c \"from {module} import {cls}; {probe}\""))
        answer += f" `{result}` gives {want!r}."
    steps.append({"answer": answer})
    return {"instruction": f"{module}.py defines a class {cls} with a method {has}(). {ask}",
            "files": {f"{module}.py": src}, "solution": {f"{module}.py": src + added},
            "check": _check("snippets", module=module, cases=cases), "steps": steps}


# fix-crash: (function, module stem, its source, the guard, the error, when, the example call, the value to give, cases)
_CRASHES = [
    ("first_word", "wordy", "def first_word(text):\n    return text.split()[0]\n", "    if not text.split():\n        return ''\n",
     "IndexError", "the text has no words", "first_word('')", "", [["alpha beta", "alpha"], ["", ""], ["   ", ""]]),
    ("largest", "numbits", "def largest(nums):\n    return max(nums)\n", "    if not nums:\n        return None\n",
     "ValueError", "the list is empty", "largest([])", None, [[[3, 9, 2], 9], [[], None]]),
    ("share", "fractions_kit", "def share(part, whole):\n    return part / whole\n", "    if whole == 0:\n        return 0.0\n",
     "ZeroDivisionError", "whole is 0", "share(3, 0)", 0.0, [[1, 4, 0.25], [3, 0, 0.0]]),
    ("initial", "namebits", "def initial(name):\n    return name[0].upper()\n", "    if not name:\n        return ''\n",
     "IndexError", "the name is an empty string", "initial('')", "", [["ada", "A"], ["", ""]]),
    ("shortest", "lexis", "def shortest(words):\n    return min(words, key=len)\n", "    if not words:\n        return None\n",
     "ValueError", "it gets no words", "shortest([])", None, [[["kiwi", "fig"], "fig"], [[], None]]),
    ("last_item", "seqbits", "def last_item(items):\n    return items[-1]\n", "    if not items:\n        return None\n",
     "IndexError", "the list is empty", "last_item([])", None, [[[1, 2], 2], [[], None]]),
]


def fix_crash(r: random.Random, i: int) -> dict:
    func, stem, src, guard, error, when, call, value, cases = r.choice(_CRASHES)
    module = f"{stem}_{r.choice(WORDS)}_{i}"
    head = src.splitlines(keepends=True)[0]
    fixed = src.replace(head, head + guard, 1)
    good = f"{func}({', '.join(map(repr, cases[0][:-1]))})"
    run = lambda expr: f"python3 -c \"from {module} import {func}; print(repr({expr}))\""  # noqa: E731
    return {"instruction": f"{func}() in {module}.py raises {error} when {when}, as {call} shows. Have it return "
                           f"{value!r} in that case instead; every other input must give the same result as before.",
            "files": {f"{module}.py": src}, "solution": {f"{module}.py": fixed},
            "check": _check("calls", module=module, func=func, cases=cases),
            "steps": [_expect_error(_do("Reproduce the crash first.", "shell", command=run(call))),
                      _do(f"It raises {error}. Read the function.", "read_file", path=f"{module}.py"),
                      _do(f"Return {value!r} before the line that fails when {when}.", "edit", path=f"{module}.py",
                          old_string=head, new_string=head + guard),
                      _do("Run the failing call and a normal one.", "shell", command=run(f"({call}, {good})")),
                      {"answer": f"Fixed {func}() in {module}.py: when {when} it now returns {value!r} instead of raising "
                                 f"{error}; {good} still gives {cases[0][-1]!r}."}]}


_PRICES = [0.5, 1.25, 2.0, 2.5, 3.75, 4.0, 5.5]


def group_total(r: random.Random, i: int) -> dict:
    cities = r.sample(CITIES, r.randint(3, 4))
    rows = [(r.choice(cities), r.randint(1, 30), r.choice(_PRICES)) for _ in range(r.randint(7, 11))]
    totals = {c: sum(u for cc, u, _ in rows if cc == c) for c in cities}
    top = max(totals, key=totals.get)
    if list(totals.values()).count(totals[top]) > 1:  # one city with the most units, no tie
        rows.append((top, 1, r.choice(_PRICES)))
        totals[top] += 1
    name, out = f"orders_{i}.csv", _result_file(r, i)
    src = "city,units,price\n" + "".join(f"{c},{u},{p}\n" for c, u, p in rows)
    city = r.choice([c for c, _, _ in rows])
    each = f"csv.DictReader(open('{name}'))"
    kind = r.choice(["units", "top", "value"])
    if kind == "units":
        ask, value = f"How many units were ordered for {city} in total? Write just the number to {out}.", totals[city]
        code = f"import csv; print(sum(int(r['units']) for r in {each} if r['city'] == '{city}'))"
        what = f"the {city} rows add up to {value} units"
    elif kind == "top":
        ask, value = f"Which city ordered the most units over all its rows? Put just the city's name in {out}.", top
        code = (f"import csv, collections; t = collections.Counter()\nfor r in {each}: t[r['city']] += int(r['units'])\n"
                "print(t.most_common())")
        what = f"{top} has the most units in total ({totals[top]})"
    else:
        total = sum(u * p for c, u, p in rows if c == city)
        ask, value = (f"What is the total value of the {city} orders (units times price, summed)? Write it with two "
                      f"decimals (like 7.25) to {out}.", f"{total:.2f}")
        code = f"import csv; print('%.2f' % sum(int(r['units']) * float(r['price']) for r in {each} if r['city'] == '{city}'))"
        what = f"the {city} orders are worth {value} in total"
    return _csv_task(f"{name} has one row per order: its city, units and price. {ask}", name, src, out, value,
                     f"python3 -c \"{code}\"", f"In {name}, {what}; I wrote {value} to {out}.",
                     look="Read the CSV file to see its columns.", work="Add it up per row with Python's csv module.")


FAMILIES = {"write-line": write_line, "json-settings": json_settings, "lookup-fact": lookup_fact,
            "count-lines": count_lines, "fix-operator": fix_operator, "add-function": add_function,
            "rename-function": rename_function, "csv-sum": csv_sum, "fix-by-test": fix_by_test,
            "add-parameter": add_parameter, "find-definition": find_definition, "count-marker": count_marker,
            "cli-script": cli_script, "survey": survey, "write-module": write_module,
            # added after the first fifteen, so that their instances are drawn as before
            "add-method": add_method, "fix-crash": fix_crash, "group-total": group_total}
COUNTS = {"write-module": {"train": 24, "validation": 6, "rollouts": 12}}  # instances per split where not SPLITS


def build(split: str, root: Path) -> None:
    r = random.Random(SEEDS[split])
    offset = OFFSETS[split]
    folder = root / split
    tasks = []
    for family, make in FAMILIES.items():
        for n in range(COUNTS.get(family, SPLITS)[split]):
            i = offset + n + 1
            spec = make(r, i)
            tid = f"{family}-{i:03d}"
            for where, files in (("workspace", spec["files"]), ("solution", spec["solution"])):
                for rel, text in files.items():
                    path = folder / tid / where / rel
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(text)
            if split == "train":  # the demonstration of the reference solution (demos/families/record.py)
                steps = {"task": spec["instruction"], "steps": spec["steps"],
                         "label": {"outcome": "success", "quality": 4, "tags": [family, "family"]}}
                (folder / tid / "steps.json").write_text(json.dumps(steps, indent=1) + "\n")
            tasks.append({"id": tid, "instruction": spec["instruction"], "workspace": f"{tid}/workspace",
                          "solution": f"{tid}/solution", "check": spec["check"],
                          "limits": {"max_turns": 10, "time_s": 300}, "tags": [family, split]})
    (folder / "tasks.jsonl").write_text("".join(json.dumps(t) + "\n" for t in tasks))
    (folder / "suite.json").write_text(json.dumps({"split": _split(offset + 1)}) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare a fresh generation with the files on disk")
    args = ap.parse_args()
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            for split in SPLITS:
                build(split, Path(tmp))
            fresh = {p.relative_to(tmp): p.read_bytes() for p in Path(tmp).rglob("*") if p.is_file()}
        disk = {p.relative_to(HERE): p.read_bytes() for s in SPLITS for p in (HERE / s).rglob("*") if p.is_file()}
        if fresh != disk:
            print("demos/families: the generated suites differ from the files on disk; run make_suites.py", file=sys.stderr)
            return 1
        print(f"demos/families: {len(fresh)} files as generated")
        return 0
    for split in SPLITS:
        shutil.rmtree(HERE / split, ignore_errors=True)
        build(split, HERE)
    print(f"wrote {', '.join(f'{HERE / s}' for s in SPLITS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
