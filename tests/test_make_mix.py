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
             "--readme-surveys", "3"])
    shapes = collections.Counter(s["tags"][2] for s in json.loads((tmp_path / "mix.jsonl.manifest.json").read_text())["rows"]
                                 if s["dataset"].endswith("survey.jsonl"))
    assert shapes == {"package": 5, "readme": 3}
