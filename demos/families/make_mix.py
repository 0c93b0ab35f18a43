#!/usr/bin/env python3
"""A mixed training set from the recorded datasets: coding rows of every family beside survey rows.

Take fourteen trained the 152 survey rows alone and answered every built-in task as a survey;
the coding adapters before it failed the README's first command. This draws one set that holds
both, small enough to train from the base in about an hour on two CPU cores:

- ``--per-family`` rows of each coding family of ``dataset/train.jsonl`` (its toy ``survey``
  family left out: the real-source surveys replace it);
- every survey row of the ``package`` shape (the package folder alone, as the first-command
  benchmark copies one; ``--package-surveys N``: N of them, drawn), ``--other-surveys`` rows of
  the ``repo`` and ``src`` shapes, with ``--readme-surveys N`` the first N of the ``readme``
  shape (a package's own long README), and with ``--names-surveys N`` the first N of the
  ``names`` shape (the package alone, its exported names said in words);
- with ``--wrong-per-family N``, N wrong-first rows of each family (``dataset/wrong.jsonl``:
  a wrong round 1, the check's failure, a grounded round 2);
- with ``--more-per-family N``, N rows of each family added later (``dataset/more.jsonl``: a
  class's new methods, a crash on an edge input, a CSV total per group);
- with ``--hint-per-family N``, N hint rows of each family (``dataset/hint.jsonl``: a call
  that misses, the tool's hint, the call it points to);
- with ``--exclude MANIFEST`` (repeatable), none of the coding rows an earlier mix's manifest
  lists, so that a continued adapter sees new tasks of the same families (survey rows are not
  excluded: a continuation replays some of them against forgetting);
- shuffled with ``--seed``. The same seed and datasets give the same file, byte for byte.

A manifest beside the output records, for every row, the dataset, the row's id and its tags
(from the datasets' own manifests), so the sources of a take are on record.

    .venv/bin/python demos/families/make_mix.py -o runs/t15.jsonl   # take fifteen's 116 rows
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
from pathlib import Path

DATASET = Path(__file__).resolve().parent / "dataset"


def rows_with_labels(name: str) -> list[tuple[str, dict]]:
    """(row line, its manifest entry) for ``dataset/NAME.jsonl``; the manifest lists the rows in order."""
    path = DATASET / f"{name}.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    labels = json.loads((DATASET / f"{name}.jsonl.manifest.json").read_text(encoding="utf-8"))["rows"]
    if len(lines) != len(labels):
        raise SystemExit(f"make_mix: {path} has {len(lines)} rows but its manifest {len(labels)}; re-export it")
    return list(zip(lines, labels))


def excluded_ids(manifests: list[Path]) -> set[str]:
    """The row ids an earlier mix's manifest lists (its ``rows``, each with an ``id``)."""
    ids: set[str] = set()
    for path in manifests:
        try:
            ids |= {row["id"] for row in json.loads(path.read_text(encoding="utf-8"))["rows"]}
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise SystemExit(f"make_mix: --exclude {path}: not a mix manifest with rows and ids ({e})") from None
    return ids


def by_family(name: str, exclude: set[str]) -> dict[str, list]:
    families: dict[str, list] = collections.defaultdict(list)
    for line, label in rows_with_labels(name):
        if label["tags"][0] != "survey" and label["id"] not in exclude:
            families[label["tags"][0]].append((line, label))
    return families


def mix(per_family: int, other_surveys: int, seed: int, readme_surveys: int = 0,
        package_surveys: int | None = None, wrong_per_family: int = 0,
        exclude: set[str] = frozenset(), names_surveys: int = 0,
        more_per_family: int = 0, hint_per_family: int = 0) -> tuple[list[str], list[dict]]:
    rng = random.Random(seed)
    picked: list[tuple[str, str, dict]] = []
    for name, count in (("train", per_family), ("wrong", wrong_per_family), ("more", more_per_family),
                        ("hint", hint_per_family)):
        if count:
            for family, rows in sorted(by_family(name, exclude).items()):
                picked += [(name, line, label) for line, label in rng.sample(rows, min(count, len(rows)))]
    surveys = rows_with_labels("survey")
    alone = [r for r in surveys if r[1]["tags"][2] == "package"]
    if package_surveys is not None:
        alone = rng.sample(alone, min(package_surveys, len(alone)))
    others = [r for r in surveys if r[1]["tags"][2] in ("repo", "src")]
    picked += [("survey", line, label) for line, label in alone + rng.sample(others, min(other_surveys, len(others)))]
    for shape, count in (("readme", readme_surveys), ("names", names_surveys)):
        picked += [("survey", line, label) for line, label in surveys if label["tags"][2] == shape][:count]
    lines = [line for _, line, _ in picked]
    sources = [{"dataset": f"demos/families/dataset/{name}.jsonl", "id": label["id"], "tags": label["tags"]}
               for name, _, label in picked]
    order = list(range(len(lines)))
    rng.shuffle(order)
    return [lines[i] for i in order], [sources[i] for i in order]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-o", "--output", type=Path, required=True)
    p.add_argument("--per-family", type=int, default=4)
    p.add_argument("--other-surveys", type=int, default=14)
    p.add_argument("--package-surveys", type=int, help="survey rows of the package-alone shape (default: all)")
    p.add_argument("--readme-surveys", type=int, default=0,
                   help="survey rows of the readme shape (a package's own long README), the first N")
    p.add_argument("--names-surveys", type=int, default=0,
                   help="survey rows of the names shape (the package alone, its exported names in words), the first N")
    p.add_argument("--wrong-per-family", type=int, default=0,
                   help="wrong-first rows of each family (dataset/wrong.jsonl)")
    p.add_argument("--more-per-family", type=int, default=0,
                   help="rows of each family added later (dataset/more.jsonl)")
    p.add_argument("--hint-per-family", type=int, default=0,
                   help="hint rows of each family (dataset/hint.jsonl: a missed call, the hint, the right call)")
    p.add_argument("--exclude", type=Path, action="append", default=[], metavar="MANIFEST",
                   help="leave out the coding rows an earlier mix's manifest lists (repeatable)")
    p.add_argument("--seed", type=int, default=16)
    a = p.parse_args(argv)
    lines, sources = mix(a.per_family, a.other_surveys, a.seed, a.readme_surveys, a.package_surveys,
                         a.wrong_per_family, excluded_ids(a.exclude), a.names_surveys, a.more_per_family,
                         a.hint_per_family)
    a.output.parent.mkdir(parents=True, exist_ok=True)
    a.output.write_text("".join(lines), encoding="utf-8")
    manifest = {"command": "make_mix", "per_family": a.per_family, "other_surveys": a.other_surveys,
                "readme_surveys": a.readme_surveys, "package_surveys": a.package_surveys,
                "names_surveys": a.names_surveys, "wrong_per_family": a.wrong_per_family,
                "more_per_family": a.more_per_family, "hint_per_family": a.hint_per_family,
                "exclude": [str(m) for m in a.exclude],
                "seed": a.seed, "row_count": len(lines), "rows": sources}
    a.output.with_name(a.output.name + ".manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    kinds = collections.Counter(s["dataset"].rsplit("/", 1)[1] for s in sources)
    print(f"{len(lines)} rows -> {a.output} ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
