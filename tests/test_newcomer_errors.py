"""Errors that name the right thing: the command's own usage, the flag or variable that was wrong."""

from __future__ import annotations

from pathlib import Path

from test_cli import limi

DATA = Path(__file__).parent / "data" / "limi_rows.jsonl"


def test_an_unknown_option_prints_the_commands_usage(tmp_path):
    result = limi("run", "--bogus", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: limi-cli run ")
    assert "limi-cli run: error: unrecognized arguments: --bogus" in result.stderr
    nested = limi("sessions", "list", "--zzz", cwd=tmp_path)
    assert nested.returncode == 2 and "limi-cli sessions list: error: unrecognized arguments: --zzz" in nested.stderr


def test_train_without_a_model_trains_the_embedded_one(tmp_path):
    result = limi("train", str(DATA), "--dry-run", cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "base model embedded" in result.stderr and "Field required" not in result.stderr
