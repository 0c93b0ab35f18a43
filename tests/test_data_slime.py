"""Export to slime's parquet layout, read back the way slime reads it (pandas, pyarrow backend)."""

from __future__ import annotations

import json

import pandas as pd

from agent.rows import DatasetRow
from agent.curation.formats.slime import export_slime

TOOLS = [{"type": "function", "function": {"name": "read_file", "description": "Read.",
                                           "parameters": {"type": "object", "properties": {"path": {"type": "string"}, "limit": {"type": "integer"}}}}}]


def row(limit) -> dict:
    return {
        "tools": TOOLS,
        "messages": [
            {"role": "system", "content": "S"},
            {"role": "user", "content": "read a.py"},
            {"role": "assistant", "content": "Reading.", "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": {"path": "a.py", "limit": limit}}}]},
            {"role": "tool", "tool_call_id": "c1", "name": "read_file", "content": "x = 1"},
            {"role": "assistant", "content": "It sets x."},
        ],
    }


def test_slime_rows_read_back_with_nested_messages_and_tools_as_json(tmp_path):
    out = tmp_path / "train.parquet"
    export_slime([DatasetRow(id="a", row=row(10)), DatasetRow(id="b", row=row(20))], out, command="test")
    df = pd.read_parquet(out, dtype_backend="pyarrow")  # what slime's read_file does
    records = [r.to_dict() for _, r in df.iterrows()]
    assert len(records) == 2
    assert json.loads(records[0]["tools"]) == TOOLS  # slime json.loads a string tool column
    call = records[1]["messages"][2]["tool_calls"][0]["function"]
    assert call["name"] == "read_file" and call["arguments"] == {"path": "a.py", "limit": 20}


def test_a_row_whose_argument_changes_type_is_left_out_and_named(tmp_path):
    out = tmp_path / "train.parquet"
    manifest, skipped = export_slime(
        [DatasetRow(id="a", row=row(10)), DatasetRow(id="b", row=row("all"), origin="b.jsonl:2")], out, command="test"
    )
    assert skipped == ["b.jsonl:2: argument 'limit' is string here but integer in a (parquet keeps one type per argument name)"]
    assert len(pd.read_parquet(out)) == 1
    assert json.loads(manifest.read_text())["row_count"] == 1
