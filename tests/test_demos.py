"""The curated demonstration set (demos/dataset) is a valid training set for the embedded model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.rows import validate_row
from agent.tools.registry import CORE_TOOLS

DATASET = Path(__file__).resolve().parents[1] / "demos" / "dataset"
SPLITS = ["train.jsonl", "heldout.jsonl"]


def rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATASET / name).read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("name", SPLITS)
def test_every_row_is_valid_and_offers_the_core_tools(name):
    for i, row in enumerate(rows(name), 1):
        assert validate_row(row) == [], f"{name}:{i}"
        assert [t["function"]["name"] for t in row["tools"]] == list(CORE_TOOLS), f"{name}:{i}"


def test_train_and_heldout_never_share_a_task():
    def tasks(name):
        return {next(m["content"] for m in row["messages"] if m["role"] == "user") for row in rows(name)}

    train, heldout = tasks("train.jsonl"), tasks("heldout.jsonl")
    assert len(train) + len(heldout) == 78 and not train & heldout


def test_the_manifest_hashes_match_the_rows():
    import hashlib

    for name in SPLITS:
        manifest = json.loads((DATASET / f"{name}.manifest.json").read_text())
        lines = [line.encode() for line in (DATASET / name).read_text().splitlines() if line.strip()]
        assert manifest["row_count"] == len(lines)
        hashes = [r["row_sha256"] for r in manifest["rows"]]
        assert hashes == [hashlib.sha256(line).hexdigest() for line in lines]
