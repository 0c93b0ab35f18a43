"""Generate the task families: a training suite and a validation suite of small checked tasks.

Eight families of the everyday work a terminal agent does (write a file, write JSON, look a fact
up in documents, count log lines, fix a wrong operator, add a function, rename a function, sum
a CSV column), each instance drawn from its own names and values with a fixed seed. They are for
``limi-cli batch --harvest`` (expert iteration: keep the runs whose check passed) and for
choosing a training recipe on the validation split, never the evaluation suites: no workspace,
file name or wording is shared with ``evaluation/suites/builtin`` (``tests/test_families.py``
checks it), and each suite folder says its split in ``suite.json``.

    python demos/families/make_suites.py            # writes demos/families/{train,validation}/
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
SPLITS = {"train": 12, "validation": 3}  # instances per family
SEEDS = {"train": 1, "validation": 2}

WORDS = ["amber", "basil", "cedar", "delta", "ember", "fjord", "garnet", "harbor", "indigo", "juniper", "kestrel",
         "lumen", "maple", "nectar", "onyx", "pebble", "quartz", "raven", "sierra", "tundra", "umber", "velvet",
         "willow", "yarrow", "zephyr", "acorn", "bramble", "cobalt", "dune", "falcon", "glacier", "heron"]
CITIES = ["Lisbon", "Oslo", "Quito", "Perth", "Dakar", "Hanoi", "Lima", "Riga", "Tunis", "Cusco", "Bergen", "Porto",
          "Kyoto", "Accra", "Split", "Turku"]
ITEMS = ["bolts", "washers", "hinges", "rivets", "springs", "brackets", "gaskets", "valves", "pulleys", "clamps"]
LEVELS = ["INFO", "DEBUG", "WARN", "ERROR"]


def _check(family: str, **args) -> str:
    return f"python3 \"$SUITE_DIR/../checks/{family}.py\" '{json.dumps(args, sort_keys=True)}'"


def _do(thought: str, tool: str, **arguments) -> dict:
    return {"thought": thought, "call": {"name": tool, "arguments": arguments}}


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
    files = {f"depots/{n}_{i}.md": f"# Depot {n.title()}\n\nCity: {c}\nDocks: {r.randint(2, 9)}\n" for n, c in zip(names, cities)}
    k = r.randrange(5)
    out = f"found_{i}.txt"
    return {"instruction": f"The depots/ folder has one page per depot. Which depot is in {cities[k]}? "
                           f"Put only the depot's name, in lower case, into {out}.",
            "files": files, "solution": {out: names[k] + "\n"}, "check": _check("one_word", path=out, word=names[k]),
            "steps": [_look(), _do(f"Search the depot pages for {cities[k]}.", "grep", pattern=f"City: {cities[k]}", path="depots"),
                      _do(f"The match is in the page of {names[k]}; read it to be sure.", "read_file",
                          path=f"depots/{names[k]}_{i}.md"),
                      _do("Write the name in lower case.", "write_file", path=out, content=names[k] + "\n"),
                      {"answer": f"The depot in {cities[k]} is {names[k]}; I wrote it to {out}."}]}


def count_lines(r: random.Random, i: int) -> dict:
    level = r.choice(["WARN", "ERROR"])
    lines, n = [], 0
    for t in range(r.randint(12, 30)):
        lv = r.choice(LEVELS)
        n += lv == level
        lines.append(f"2026-03-{t % 28 + 1:02d} {lv} worker-{r.randint(1, 4)} {r.choice(WORDS)} step {t}")
    log = f"logs/worker_{i}.log"
    out = f"tally_{i}.txt"
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
    csv = "item,qty,bin\n" + "".join(f"{it},{q},B{r.randint(1, 9)}\n" for it, q in zip(items, qty))
    name, out = f"stock_{i}.csv", f"sum_{i}.txt"
    return {"instruction": f"{name} lists items with their qty. What is the sum of the qty column? Write just the number to {out}.",
            "files": {name: csv}, "solution": {out: f"{sum(qty)}\n"}, "check": _check("one_word", path=out, word=str(sum(qty))),
            "steps": [_do("Read the CSV file.", "read_file", path=name),
                      _do("Sum the qty column with Python.", "shell",
                          command=f"python3 -c \"import csv; print(sum(int(r['qty']) for r in csv.DictReader(open('{name}'))))\""),
                      _do(f"The sum is {sum(qty)}. Write it.", "write_file", path=out, content=f"{sum(qty)}\n"),
                      {"answer": f"The qty column of {name} sums to {sum(qty)}; I wrote it to {out}."}]}


FAMILIES = {"write-line": write_line, "json-settings": json_settings, "lookup-fact": lookup_fact,
            "count-lines": count_lines, "fix-operator": fix_operator, "add-function": add_function,
            "rename-function": rename_function, "csv-sum": csv_sum}


def build(split: str, root: Path) -> None:
    r = random.Random(SEEDS[split])
    offset = 0 if split == "train" else 100  # instance numbers never repeat across splits
    folder = root / split
    tasks = []
    for family, make in FAMILIES.items():
        for n in range(SPLITS[split]):
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
    (folder / "suite.json").write_text(json.dumps({"split": split}) + "\n")


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
