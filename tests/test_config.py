"""Config layers and their errors."""

from pathlib import Path

import pytest

from agent.config import ConfigError, load_config


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_without_any_file(tmp_path):
    cfg = load_config(tmp_path, environ={}, user_path=tmp_path / "none.toml")
    assert cfg.model == "embedded" and cfg.approval == "auto-edit" and cfg.max_turns == 30


def test_layers_override_in_order_user_project_env_flags(tmp_path):
    user = _write(tmp_path / "user.toml", 'max_turns = 5\napproval = "ask"\nmodel = "u"\n[sampling]\ntemperature = 0.5\n')
    _write(tmp_path / ".limi" / "config.toml", 'max_turns = 6\n[sampling]\ntop_p = 0.5\n')
    env = {"LIMI_MAX_TURNS": "7", "LIMI_TEMPERATURE": "0.9"}
    cfg = load_config(tmp_path, {"model": "flag", "approval": None}, environ=env, user_path=user)
    assert cfg.max_turns == 7
    assert cfg.approval == "ask"
    assert cfg.model == "flag"
    assert cfg.sampling.temperature == 0.9 and cfg.sampling.top_p == 0.5


def test_openai_env_vars_are_a_fallback(tmp_path):
    cfg = load_config(tmp_path, environ={"OPENAI_BASE_URL": "http://x/v1", "LIMI_API_KEY": "k"}, user_path=tmp_path / "n")
    assert cfg.base_url == "http://x/v1" and cfg.api_key == "k"


def test_bad_value_names_the_key_and_the_file(tmp_path):
    path = _write(tmp_path / ".limi" / "config.toml", 'max_turns = "many"\n')
    with pytest.raises(ConfigError) as e:
        load_config(tmp_path, environ={}, user_path=tmp_path / "n")
    assert str(path) in str(e.value) and "'max_turns'" in str(e.value)


def test_unknown_key_is_an_error(tmp_path):
    _write(tmp_path / ".limi" / "config.toml", 'modle = "x"\n')
    with pytest.raises(ConfigError, match="'modle'"):
        load_config(tmp_path, environ={}, user_path=tmp_path / "n")


def test_bad_env_value_names_the_environment(tmp_path):
    with pytest.raises(ConfigError, match="LIMI_APPROVAL: "):
        load_config(tmp_path, environ={"LIMI_APPROVAL": "sometimes"}, user_path=tmp_path / "n")


def test_broken_toml_says_so(tmp_path):
    path = _write(tmp_path / "u.toml", "model = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path, environ={}, user_path=path)


def test_lora_scale_from_the_environment_and_a_bad_one_named(tmp_path):
    assert load_config(tmp_path, environ={}, user_path=tmp_path / "n").lora_scale is None  # the adapter's own, else 1
    assert load_config(tmp_path, environ={"LIMI_LORA_SCALE": "0.5"}, user_path=tmp_path / "n").lora_scale == 0.5
    with pytest.raises(ConfigError, match="LIMI_LORA_SCALE: Input should be less than or equal to 2"):
        load_config(tmp_path, environ={"LIMI_LORA_SCALE": "3"}, user_path=tmp_path / "n")
