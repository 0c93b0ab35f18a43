"""The mixed training set (demos/families/make_mix.py): coding rows of every family beside survey
rows, drawn with a seed, with a manifest that names every row's source. No model, no training."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest

from tests.family_scripts import family_script

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT / "demos" / "families" / "dataset"


@pytest.fixture(scope="module")
def mm():
    return family_script("make_mix")


def test_the_mix_draws_each_family_and_the_package_surveys_with_a_manifest(mm, tmp_path):
    out = tmp_path / "mix.jsonl"
    assert mm.main(["-o", str(out), "--per-family", "3", "--other-surveys", "5", "--seed", "1"]) == 0
    rows = out.read_text().splitlines()
    manifest = json.loads((tmp_path / "mix.jsonl.manifest.json").read_text())
    assert manifest["row_count"] == len(rows) == len(manifest["rows"])
    families = collections.Counter(s["tags"][0] for s in manifest["rows"] if s["dataset"].endswith("train.jsonl"))
    assert "survey" not in families and len(families) >= 10 and set(families.values()) == {3}
    shapes = collections.Counter(s["tags"][2] for s in manifest["rows"] if s["dataset"].endswith("survey.jsonl"))
    survey_labels = json.loads((DATASET / "survey.jsonl.manifest.json").read_text())["rows"]
    package_alone = sum("package" in r["tags"] for r in survey_labels)
    assert shapes["package"] == package_alone and shapes["repo"] + shapes["src"] == 5
    # each row is the dataset's own line, as its manifest names it
    for line, source in zip(rows, manifest["rows"]):
        name = source["dataset"].rsplit("/", 1)[1]
        ids = [r["id"] for r in json.loads((DATASET / f"{name}.manifest.json").read_text())["rows"]]
        assert (DATASET / name).read_text().splitlines()[ids.index(source["id"])] == line


def test_the_same_seed_gives_the_same_file_and_another_seed_another(mm, tmp_path):
    files = []
    for i, seed in enumerate(["7", "7", "8"]):
        out = tmp_path / f"m{i}.jsonl"
        mm.main(["-o", str(out), "--seed", seed])
        files.append(out.read_bytes())
    assert files[0] == files[1] != files[2]


def test_a_dataset_out_of_step_with_its_manifest_is_refused(mm, monkeypatch, tmp_path):
    for name in ("train", "survey"):
        (tmp_path / f"{name}.jsonl").write_text((DATASET / f"{name}.jsonl").read_text())
        (tmp_path / f"{name}.jsonl.manifest.json").write_text((DATASET / f"{name}.jsonl.manifest.json").read_text())
    with (tmp_path / "train.jsonl").open("a") as f:
        f.write("{}\n")
    monkeypatch.setattr(mm, "DATASET", tmp_path)
    with pytest.raises(SystemExit, match="train.jsonl has 193 rows but its manifest 192"):
        mm.main(["-o", str(tmp_path / "x.jsonl")])


def test_package_and_readme_surveys_can_be_counted(mm, tmp_path):
    out = tmp_path / "mix.jsonl"
    mm.main(["-o", str(out), "--per-family", "1", "--package-surveys", "5", "--other-surveys", "0",
             "--readme-surveys", "3", "--names-surveys", "4"])
    shapes = collections.Counter(s["tags"][2] for s in json.loads((tmp_path / "mix.jsonl.manifest.json").read_text())["rows"]
                                 if s["dataset"].endswith("survey.jsonl"))
    assert shapes == {"package": 5, "readme": 3, "names": 4}


def test_exclude_leaves_out_an_earlier_mix_coding_rows_and_wrong_rows_are_drawn_per_family(mm, tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    mm.main(["-o", str(first), "--per-family", "4", "--other-surveys", "0", "--package-surveys", "3"])
    mm.main(["-o", str(second), "--per-family", "4", "--other-surveys", "0", "--package-surveys", "3",
             "--wrong-per-family", "1", "--exclude", str(tmp_path / "a.jsonl.manifest.json"), "--seed", "3"])
    a = json.loads((tmp_path / "a.jsonl.manifest.json").read_text())["rows"]
    b = json.loads((tmp_path / "b.jsonl.manifest.json").read_text())
    coding = lambda rows: {r["id"] for r in rows if not r["dataset"].endswith("survey.jsonl")}  # noqa: E731
    assert coding(a) and coding(b["rows"]) and not coding(a) & coding(b["rows"])
    wrong = collections.Counter(r["tags"][0] for r in b["rows"] if r["dataset"].endswith("wrong.jsonl"))
    assert len(wrong) >= 10 and set(wrong.values()) == {1}
    assert b["exclude"] == [str(tmp_path / "a.jsonl.manifest.json")] and b["wrong_per_family"] == 1
    # a family with fewer rows left than asked gives what it has: 12 train rows of a family, 4 + 4 drawn before
    mm.main(["-o", str(tmp_path / "c.jsonl"), "--per-family", "20", "--other-surveys", "0", "--package-surveys", "0",
             "--exclude", str(tmp_path / "a.jsonl.manifest.json"), "--exclude", str(tmp_path / "b.jsonl.manifest.json")])
    c = json.loads((tmp_path / "c.jsonl.manifest.json").read_text())["rows"]
    assert not coding(c) & (coding(a) | coding(b["rows"]))
    assert collections.Counter(r["tags"][0] for r in c)["add-function"] == 12 - 8


def test_exclude_of_a_file_that_is_not_a_manifest_is_one_clear_error(mm, tmp_path):
    bad = tmp_path / "rows.jsonl"
    bad.write_text('{"messages": []}\n')
    with pytest.raises(SystemExit, match=r"--exclude .*rows.jsonl: not a mix manifest"):
        mm.main(["-o", str(tmp_path / "x.jsonl"), "--exclude", str(bad)])


def test_rows_of_the_later_families_are_drawn_per_family_and_leave_older_mixes_alone(mm, tmp_path):
    plain, more = tmp_path / "plain.jsonl", tmp_path / "more.jsonl"
    mm.main(["-o", str(plain), "--per-family", "2", "--other-surveys", "1", "--package-surveys", "2", "--seed", "5"])
    mm.main(["-o", str(more), "--per-family", "2", "--other-surveys", "1", "--package-surveys", "2", "--seed", "5",
             "--more-per-family", "3"])
    rows = json.loads((tmp_path / "more.jsonl.manifest.json").read_text())["rows"]
    later = collections.Counter(r["tags"][0] for r in rows if r["dataset"].endswith("more.jsonl"))
    assert later == {"add-method": 3, "fix-crash": 3, "group-total": 3}
    # the first fifteen families' rows are drawn first, so a mix without --more-per-family is what it was
    first = lambda p: {r["id"] for r in json.loads(p.read_text())["rows"] if r["dataset"].endswith("train.jsonl")}  # noqa: E731
    assert first(tmp_path / "plain.jsonl.manifest.json") == first(tmp_path / "more.jsonl.manifest.json")
    assert not any(r["dataset"].endswith("more.jsonl") for r in json.loads((tmp_path / "plain.jsonl.manifest.json").read_text())["rows"])


def test_hint_rows_are_drawn_last_per_family(mm, tmp_path):
    more, hint = tmp_path / "more.jsonl", tmp_path / "hint.jsonl"
    base = ["--per-family", "1", "--other-surveys", "0", "--package-surveys", "1", "--seed", "7", "--more-per-family", "1"]
    mm.main(["-o", str(more), *base])
    mm.main(["-o", str(hint), *base, "--hint-per-family", "2"])
    manifest = json.loads((tmp_path / "hint.jsonl.manifest.json").read_text())
    hints = collections.Counter(r["tags"][0] for r in manifest["rows"] if r["dataset"].endswith("hint.jsonl"))
    assert set(hints.values()) == {2} and len(hints) >= 10 and "survey" not in hints
    assert all("hint" in r["tags"] for r in manifest["rows"] if r["dataset"].endswith("hint.jsonl"))
    assert manifest["hint_per_family"] == 2
    # the coding rows are the ones the mix without hints drew (hint rows are drawn after them)
    others = lambda m: sorted(r["id"] for r in m["rows"] if r["dataset"].endswith(("train.jsonl", "more.jsonl")))  # noqa: E731
    assert others(manifest) == others(json.loads((tmp_path / "more.jsonl.manifest.json").read_text()))
