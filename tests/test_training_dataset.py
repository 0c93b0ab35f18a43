"""Reading LIMI rows for training: bad rows stop the run naming file and line, or are skipped and counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.config import TrainConfigError, build_config
from training.dataset import DatasetError, load_rows

DATA = Path(__file__).parent / "data" / "limi_rows.jsonl"
GOOD = DATA.read_text().splitlines()[0]
NO_ASSISTANT = json.dumps({"tools": [], "messages": [{"role": "user", "content": "hi"}]})


def test_rows_load_with_their_file_and_line(tmp_path):
    data = load_rows([DATA])
    assert len(data) == 4 and data.rows[2].line == 3 and data.files[0].rows == 4
    assert data.rows[0].where == f"{DATA}:1"


def test_invalid_row_stops_the_load_with_file_line_and_reason(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text(GOOD + "\n\n" + NO_ASSISTANT + "\n")
    with pytest.raises(DatasetError, match=rf"^{path}:3: no assistant message: nothing to train on"):
        load_rows([path])


def test_broken_json_names_file_and_line(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text(GOOD + "\n" + GOOD[:40] + "\n")
    with pytest.raises(DatasetError, match=rf"^{path}:2: not valid JSON"):
        load_rows([path])


def test_skip_invalid_leaves_bad_rows_out_and_counts_them(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join([GOOD, NO_ASSISTANT, "{", GOOD]) + "\n")
    data = load_rows([path], skip_invalid=True)
    assert [r.line for r in data.rows] == [1, 4]
    assert [where for where, _ in data.skipped] == [f"{path}:2", f"{path}:3"] and data.files[0].skipped == 2


def test_a_json_array_of_rows_loads(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text(json.dumps([json.loads(GOOD), json.loads(GOOD)]))
    assert [r.line for r in load_rows([path]).rows] == [1, 2]


def test_bad_train_marker_is_an_invalid_row(tmp_path):
    row = json.loads(GOOD)
    row["messages"][2]["train"] = "no"
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(DatasetError, match=r":1: messages\[2\]: train must be true or false"):
        load_rows([path])


def test_missing_file_is_one_line(tmp_path):
    with pytest.raises(DatasetError, match="no such file"):
        load_rows([tmp_path / "missing.jsonl"])


def test_config_file_settings_are_overridden_by_flags(tmp_path):
    cfg = tmp_path / "train.toml"
    cfg.write_text('model = "embedded"\noutput_dir = "out"\ndata = ["a.jsonl"]\nepochs = 2\nlora = true\n')
    config = build_config(cfg, epochs=3.0, lora=None)
    assert config.epochs == 3.0 and config.lora and config.learning_rate == 1e-5 and config.adam_beta2 == 0.98


def test_bad_setting_names_the_key_and_the_file(tmp_path):
    cfg = tmp_path / "train.yaml"
    cfg.write_text("model: embedded\noutput_dir: out\ndata: [a.jsonl]\ntoo_long: squeeze\n")
    with pytest.raises(TrainConfigError, match=rf"^too_long: .*\(in {cfg}\)"):
        build_config(cfg)
