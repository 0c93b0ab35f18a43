"""``--base-url`` without ``-m``: the server's model when it serves exactly one, else one line
saying to pass ``-m`` (never the embedded model running silently instead)."""

from __future__ import annotations

import json

from test_cli import limi, log_of, repo  # noqa: F401  (repo is a fixture)


def test_the_only_served_model_is_used(llama_server, repo):  # noqa: F811
    result = limi("run", "-p", "Say hi.", "--base-url", llama_server.base_url, "--max-turns", "1",
                  "--output-format", "json", cwd=repo, env={"LIMI_MAX_TOKENS": "8"}, timeout=300)
    assert result.returncode in (0, 3), result.stderr
    assert log_of(repo).started.model == llama_server.model
    assert json.loads(result.stdout)["type"] == "result"


def test_several_served_models_need_m(scripted_server, repo):  # noqa: F811
    server = scripted_server([], models=["qwen3-8b", "llama-3.1-8b"])
    result = limi("run", "-p", "x", "--base-url", server.base_url, cwd=repo)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "serves 2 models (qwen3-8b, llama-3.1-8b); choose one with -m MODEL" in lines[0]


def test_lIMI_BASE_URL_without_a_model_is_not_ignored(unused_port, repo):  # noqa: F811
    result = limi("run", "-p", "x", cwd=repo, env={"LIMI_BASE_URL": f"http://127.0.0.1:{unused_port}/v1"})
    assert result.returncode == 1
    assert "without -m" in result.stderr and "pass -m MODEL" in result.stderr
