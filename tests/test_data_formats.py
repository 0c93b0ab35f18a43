"""Import and export: LIMI JSONL/parquet, ShareGPT, ATIF; round trips are lossless; manifests; stats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.curation.dataset_io import load_inputs, write_dataset
from agent.curation.formats import atif, limi, sharegpt
from agent.curation.stats import compute_stats
from agent.curation.tokens import CharEstimate

DATA = Path(__file__).parent / "data" / "curation"
LIMI_ROWS = DATA / "limi_rows.jsonl"
ATIF_FILE = DATA / "atif_trajectory.json"


def import_then_load(tmp_path: Path, source: Path):
    """`data import` (a dataset JSONL with meta), then read that dataset back."""
    dataset = tmp_path / "imported.jsonl"
    write_dataset(load_inputs([source]).rows, dataset, command="import")
    report = load_inputs([dataset])
    assert report.problems == []
    return report.rows


def test_limi_jsonl_import_then_export_is_byte_identical(tmp_path):
    out = tmp_path / "out.jsonl"
    limi.export_jsonl(import_then_load(tmp_path, LIMI_ROWS), out, command="test")
    assert out.read_bytes() == LIMI_ROWS.read_bytes()


def test_limi_json_list_imports_like_jsonl(tmp_path):
    rows = [json.loads(line) for line in LIMI_ROWS.read_text().splitlines()]
    (tmp_path / "rows.json").write_text(json.dumps(rows))
    assert [t.row for t in load_inputs([tmp_path / "rows.json"]).rows] == rows


def test_string_arguments_are_imported_as_objects(tmp_path):
    row = json.loads(LIMI_ROWS.read_text().splitlines()[0])
    row["messages"][2]["tool_calls"][0]["function"]["arguments"] = '{"absolute_path": "/w/app.py"}'
    (tmp_path / "r.jsonl").write_text(json.dumps(row) + "\n")
    [t] = load_inputs([tmp_path / "r.jsonl"]).rows
    assert t.row["messages"][2]["tool_calls"][0]["function"]["arguments"] == {"absolute_path": "/w/app.py"}


def test_parquet_export_then_import_gives_the_same_rows(tmp_path):
    trajectories = load_inputs([LIMI_ROWS]).rows
    limi.export_parquet(trajectories, tmp_path / "d.parquet", command="test")
    back = load_inputs([tmp_path / "d.parquet"]).rows
    assert [t.row for t in back] == [t.row for t in trajectories]  # the schema's "default": null survives


def test_parquet_has_nested_messages_and_tools_columns(tmp_path):
    import pyarrow.parquet as pq
    limi.export_parquet(load_inputs([LIMI_ROWS]).rows, tmp_path / "d.parquet", command="test")
    table = pq.read_table(tmp_path / "d.parquet")
    assert {"messages", "tools"} <= set(table.column_names)
    assert table.to_pylist()[0]["messages"][1] ["content"] == "What does app.py print?"


def test_atif_import_then_export_gives_the_same_trajectory(tmp_path):
    atif.export_atif(import_then_load(tmp_path, ATIF_FILE), tmp_path / "atif", command="test")
    assert json.loads((tmp_path / "atif" / "atif-demo-1.json").read_text()) == json.loads(ATIF_FILE.read_text())


def test_atif_import_builds_a_limi_row_with_one_tool_message_per_call():
    [t] = load_inputs([ATIF_FILE]).rows
    assert [m["role"] for m in t.row["messages"]] == ["system", "user", "assistant", "tool", "assistant"]
    assert t.row["messages"][2]["reasoning_content"] == "ls is enough"
    assert t.row["messages"][3] == {"role": "tool", "tool_call_id": "t1", "name": "shell", "content": "a.py\nb.py"}


def test_limi_row_exported_as_atif_numbers_steps_and_attaches_observations():
    [t] = load_inputs([LIMI_ROWS]).rows[:1]
    doc = atif.from_row(t)
    assert [s["step_id"] for s in doc["steps"]] == [1, 2, 3, 4]
    assert doc["steps"][2]["observation"] == {"results": [{"source_call_id": "call_1", "content": "print('hi')"}]}
    assert doc["agent"]["tool_definitions"] == t.row["tools"]


def test_sharegpt_alternates_strictly_and_keeps_the_thought():
    [t] = load_inputs([LIMI_ROWS]).rows[:1]
    row = sharegpt.to_sharegpt(t.row)
    assert [c["from"] for c in row["conversations"]] == ["human", "function_call", "observation", "gpt"]
    value = row["conversations"][1]["value"]
    assert value.startswith("<think>\nLet me read it.\n</think>")
    assert json.loads(value.split("</think>\n\n", 1)[1]) == {"name": "read_file", "arguments": {"absolute_path": "/w/app.py"}}
    assert row["system"] == "You are a coding agent." and json.loads(row["tools"])[0]["name"] == "read_file"


def test_sharegpt_merges_parallel_calls_and_their_results():
    row = {"tools": [], "messages": [
        {"role": "user", "content": "u"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "a", "type": "function", "function": {"name": "x", "arguments": {}}},
            {"id": "b", "type": "function", "function": {"name": "y", "arguments": {"k": 1}}}]},
        {"role": "tool", "tool_call_id": "a", "content": "1"}, {"role": "tool", "tool_call_id": "b", "content": "2"},
        {"role": "assistant", "content": "done"}]}
    conv = sharegpt.to_sharegpt(row)["conversations"]
    assert json.loads(conv[1]["value"]) == [{"name": "x", "arguments": {}}, {"name": "y", "arguments": {"k": 1}}]
    assert json.loads(conv[2]["value"]) == ["1", "2"]


def test_sharegpt_export_skips_a_conversation_that_cannot_alternate(tmp_path):
    bad = {"tools": [], "messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"},
                                     {"role": "assistant", "content": "c"}]}
    (tmp_path / "in.jsonl").write_text(json.dumps(bad) + "\n" + LIMI_ROWS.read_text())
    _, skipped = sharegpt.export_sharegpt(load_inputs([tmp_path / "in.jsonl"]).rows, tmp_path / "s.json", command="t")
    assert len(skipped) == 1 and skipped[0].startswith(f"{tmp_path / 'in.jsonl'}:1: turn 2 is human")
    assert len(json.loads((tmp_path / "s.json").read_text())) == 2


def test_export_manifest_lists_sources_hashes_and_counts(tmp_path):
    out = tmp_path / "d.jsonl"
    manifest = json.loads(limi.export_jsonl(load_inputs([LIMI_ROWS]).rows, out, command="export").read_text())
    assert manifest["row_count"] == 2 and manifest["format"] == "limi-jsonl"
    first = manifest["rows"][0]
    assert first["source"] == f"{LIMI_ROWS}:1" and first["tool_calls"] == 1 and first["messages"] == 5
    import hashlib

    assert first["row_sha256"] == hashlib.sha256(out.read_bytes().split(b"\n")[0]).hexdigest()


def test_a_corrupt_dataset_line_is_reported_and_the_rest_still_loads(tmp_path):
    lines = LIMI_ROWS.read_text().splitlines()
    (tmp_path / "d.jsonl").write_text(lines[0] + "\n{broken\n" + lines[1] + "\n")
    report = load_inputs([tmp_path / "d.jsonl"])
    assert len(report.rows) == 2
    assert [p.split(": ")[0] for p in report.problems] == [f"{tmp_path / 'd.jsonl'}:2"]


def test_stats_count_turns_calls_per_tool_and_labels():
    trajectories = load_inputs([LIMI_ROWS]).rows
    trajectories[0].meta.update(outcome="success", quality=5)
    s = compute_stats(trajectories, CharEstimate()).as_dict()
    assert (s["trajectories"], s["turns"], s["tool_calls"]) == (2, 3, 1)
    assert s["calls_per_tool"] == {"read_file": 1}
    assert s["outcomes"] == {"success": 1, "unlabelled": 1} and s["quality"] == {"5": 1, "unrated": 1}
    assert 0 < s["tokens"]["min"] <= s["tokens"]["mean"] <= s["tokens"]["max"]


def test_stats_count_tokens_with_the_embedded_tokenizers_chat_template():
    pytest.importorskip("transformers")
    pytest.importorskip("gguf")
    from agent.curation.tokens import ChatTemplateCounter

    counter = ChatTemplateCounter()
    [row] = [t.row for t in load_inputs([LIMI_ROWS]).rows[1:]]
    text = counter.tokenizer.apply_chat_template([{"role": "user", "content": "Say hello."},
                                                  {"role": "assistant", "content": "<think>\nA greeting is asked for.\n</think>\nHello."}],
                                                 tokenize=False)
    assert counter.count(row) == len(counter.tokenizer(text, add_special_tokens=False)["input_ids"])
    assert counter.count(row) > 10
