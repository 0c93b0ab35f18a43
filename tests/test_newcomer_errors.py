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


def test_config_errors_name_the_variable_the_flag_and_the_likely_key(tmp_path):
    from agent.config import ConfigError, load_config

    import pytest

    with pytest.raises(ConfigError, match=r"^environment \(LIMI_\* variables\): LIMI_MAX_TURNS: "):
        load_config(tmp_path, environ={"LIMI_MAX_TURNS": "many"})
    with pytest.raises(ConfigError, match=r"^environment \(LIMI_\* variables\): LIMI_TEMPERATURE: "):
        load_config(tmp_path, environ={"LIMI_TEMPERATURE": "hot"})
    with pytest.raises(ConfigError, match=r"^command line: --max-turns: "):
        load_config(tmp_path, {"max_turns": "x"}, environ={})
    user = tmp_path / "user.toml"
    user.write_text("max_turn = 5\n")
    with pytest.raises(ConfigError, match=r"key 'max_turn': Extra inputs are not permitted; did you mean 'max_turns'\?"):
        load_config(tmp_path, environ={}, user_path=user)


def test_a_read_only_refusal_says_which_approval_would_allow_it(tmp_path):
    import json

    from test_cli import call, log_of

    replies = tmp_path / "r.json"
    replies.write_text(json.dumps([call("write_file", path="hello.txt", content="hi"), call("shell", command="ls"), "ok"]))
    ws = tmp_path / "ws"
    ws.mkdir()
    result = limi("run", "-p", "make hello.txt", "--approval", "read-only", "-m", f"scripted:{replies}", cwd=ws)
    assert result.returncode == 0, result.stderr
    notes = [e.output for e in log_of(ws).events if e.type == "tool_result"]
    assert "--approval auto-edit" in notes[0] and "--approval yolo" in notes[1]
    assert not (ws / "hello.txt").exists()
