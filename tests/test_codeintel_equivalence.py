"""The index gives the same definitions, references, ranking and repo map as the reference
output in tests/data/codeintel_expected.json, on a tree of every supported language.

The expected file was produced by the simple single-process index (one parse and two
queries per file, JSON rows in SQLite) before the index was made faster; every later
change must keep producing it, cold (parsing) and warm (from the cache). Regenerate it
only for an intended change of results:

    .venv/bin/python tests/test_codeintel_equivalence.py --write
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # when run as a script
    sys.path.insert(0, str(ROOT))

from agent.codeintel import workers  # noqa: E402
from agent.codeintel.index import CodeIndex  # noqa: E402
from agent.codeintel.repomap import rank_definitions, repo_map  # noqa: E402

TREE = Path(__file__).with_name("data") / "codeintel_tree"
EXPECTED = Path(__file__).with_name("data") / "codeintel_expected.json"
BUDGETS = (30, 120, 400, 1500, 6000)
MENTIONED = frozenset({"Cart", "price_of", "ItemStore"})


def build_tree(dest: Path) -> Path:
    """The checked-in tree plus files whose exact bytes git might not keep: CRLF line ends,
    Latin-1 text, a byte-order mark, and a .gitignore with what it hides."""
    shutil.copytree(TREE, dest)
    (dest / "py" / "crlf.py").write_bytes(
        b"class Windows:\r\n    def line_ends(self):\r\n        return open_cart('crlf')\r\n\r\n\r\n"
        b"def after_crlf():\r\n    return Windows().line_ends()\r\n")
    (dest / "py" / "latin1.py").write_bytes(
        "# -*- coding: latin-1 -*-\ndef caf\u00e9_price():\n    return 'cr\u00e8me'\n\n\nNAME = caf\u00e9_price()\n"
        .encode("latin-1"))
    (dest / "py" / "bom.py").write_bytes(b"\xef\xbb\xbfdef with_bom():\n    return price_of('pear')\n")
    (dest / "py" / "unicode_names.py").write_text(
        "def gr\u00fc\u00dfe(name):\n    return f'Hallo {name}'\n\n\n\u03c0 = 3.14159\nprint(gr\u00fc\u00dfe('\u03c0'), \u03c0)\n",
        encoding="utf-8")
    (dest / ".gitignore").write_text("generated/\n*.gen.py\n")
    (dest / "generated").mkdir()
    (dest / "generated" / "hidden.py").write_text("def hidden():\n    pass\n")
    (dest / "py" / "skip.gen.py").write_text("def skipped():\n    pass\n")
    (dest / "README.md").write_text("def not_code():\n")
    return dest


def snapshot(index: CodeIndex) -> dict[str, Any]:
    """Everything the index answers, as plain JSON-able data."""
    files = {
        rel: {
            "language": tags.language,
            "definitions": [[s.name, s.kind, s.line, s.end_line, s.signature, s.parent] for s in tags.definitions],
            "references": {name: list(rows) for name, rows in sorted(tags.references.items())},
        }
        for rel, tags in sorted(index.files.items())
    }
    return {
        "files": files,
        "ranked": [[f, n, s] for f, n, s in rank_definitions(index)],
        "ranked_mentioned": [[f, n, s] for f, n, s in rank_definitions(index, MENTIONED)],
        "maps": {str(b): repo_map(index, b) for b in BUDGETS},
        "maps_mentioned": {str(b): repo_map(index, b, MENTIONED) for b in BUDGETS},
    }


def _assert_same(got: dict[str, Any], want: dict[str, Any]) -> None:
    assert sorted(got["files"]) == sorted(want["files"])
    for rel, expected in want["files"].items():
        assert got["files"][rel] == expected, rel
    for key in ("ranked", "ranked_mentioned"):
        assert [r[:2] for r in got[key]] == [r[:2] for r in want[key]], key
        assert [r[2] for r in got[key]] == pytest.approx([r[2] for r in want[key]], rel=1e-9, abs=1e-15), key
    assert got["maps"] == want["maps"]
    assert got["maps_mentioned"] == want["maps_mentioned"]


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return build_tree(tmp_path / "tree")


def test_cold_index_matches_the_reference_output(tree: Path, tmp_path: Path, expected: dict[str, Any]) -> None:
    index = CodeIndex(tree, tmp_path / "ix.sqlite", jobs=1)
    stats = index.refresh()
    assert (stats.parsed, stats.in_workers) == (len(expected["files"]), 0)
    _assert_same(snapshot(index), expected)


def test_cold_index_in_worker_processes_matches_the_reference_output(
        tree: Path, tmp_path: Path, expected: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # the tree is small: make every file worth a worker, in many small tasks
    monkeypatch.setattr(workers, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(workers, "CHUNK_COST", 1)
    index = CodeIndex(tree, tmp_path / "ix.sqlite", jobs=3)
    stats = index.refresh()
    assert stats.parsed == len(expected["files"])
    assert 0 < stats.in_workers <= stats.parsed
    _assert_same(snapshot(index), expected)
    warm = CodeIndex(tree, tmp_path / "ix.sqlite")  # what the workers encoded reads back the same
    assert warm.refresh().parsed == 0
    _assert_same(snapshot(warm), expected)


def test_warm_index_from_the_cache_matches_the_reference_output(tree: Path, tmp_path: Path,
                                                                expected: dict[str, Any]) -> None:
    CodeIndex(tree, tmp_path / "ix.sqlite").refresh()
    index = CodeIndex(tree, tmp_path / "ix.sqlite")
    assert index.refresh().parsed == 0
    _assert_same(snapshot(index), expected)


def test_the_reference_output_covers_every_language_and_the_odd_files(expected: dict[str, Any]) -> None:
    languages = {f["language"] for f in expected["files"].values()}
    assert languages == {"python", "javascript", "typescript", "tsx", "go", "rust", "java", "c", "cpp"}
    assert {"py/crlf.py", "py/latin1.py", "py/bom.py", "py/shop/broken.py", "py/shop/empty.py"} <= set(expected["files"])
    assert not any(rel.startswith("generated/") or rel.endswith(".gen.py") for rel in expected["files"])
    assert all(expected["maps"][str(b)] for b in BUDGETS)


def _write() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        tree = build_tree(Path(tmp) / "tree")
        index = CodeIndex(tree, Path(tmp) / "ix.sqlite")
        index.refresh()
        data = snapshot(index)
    EXPECTED.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {EXPECTED} ({len(data['files'])} files)")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(__doc__)
    _write()


def test_the_ranking_is_the_same_in_every_process(tree: Path, tmp_path: Path) -> None:
    """No set or hash order reaches the scores: another process with another hash seed
    ranks to the same floats, bit for bit."""
    import os
    import subprocess

    code = ("import json, sys; from pathlib import Path; from agent.codeintel.index import CodeIndex; "
            "from agent.codeintel.repomap import rank_definitions; "
            "ix = CodeIndex(Path(sys.argv[1]), Path(sys.argv[2])); ix.refresh(); "
            "print(json.dumps([list(r) for r in rank_definitions(ix, frozenset(sys.argv[3:]))]))")
    runs = []
    for seed in ("1", "2"):
        proc = subprocess.run([sys.executable, "-c", code, str(tree), str(tmp_path / f"ix{seed}.sqlite"), *MENTIONED],
                              capture_output=True, text=True, cwd=ROOT, timeout=120,
                              env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)})
        assert proc.returncode == 0, proc.stderr
        runs.append(json.loads(proc.stdout))
    assert runs[0] == runs[1]
    index = CodeIndex(tree, tmp_path / "here.sqlite")
    index.refresh()
    assert [list(r) for r in rank_definitions(index, MENTIONED)] == runs[0]
