"""The limi-cli command: start-up imports, headless run, output formats, exit codes, logs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from agent.rows import validate_row
from agent.session_store import list_sessions
from agent.trajectory import read_log
from tests.waiting import wait_until

HEAVY = ["torch", "transformers", "trl", "peft", "llama_cpp", "vllm", "textual", "prompt_toolkit"]


def limi(*args, cwd=None, input=None, env=None, timeout=120):
    full_env = {**os.environ, "LIMI_MAX_RETRIES": "0", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "limi_cli.cli", *args],
        cwd=cwd, input=input, env=full_env, capture_output=True, text=True, timeout=timeout,
    )


def call(name, **args):
    return f'<tool_call>{json.dumps({"name": name, "arguments": args})}</tool_call>'


@pytest.fixture
def repo(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "app.py").write_text("def add(a, b):\n    return a - b\n")
    subprocess.run(["git", "init", "-q"], cwd=ws, check=True)
    subprocess.run(["git", "add", "."], cwd=ws, check=True)
    subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init"], cwd=ws, check=True)
    return ws


def script(tmp_path, replies) -> str:
    path = tmp_path / "replies.json"
    path.write_text(json.dumps(replies))
    return f"scripted:{path}"


def log_of(ws: Path):
    (summary,) = list_sessions(ws / ".limi" / "sessions")
    return read_log(summary.path)


@pytest.mark.parametrize("command", [[], ["run"], ["sessions"], ["sessions", "list"], ["export"]])
def test_help_imports_no_heavy_library(command):
    code = (
        "import sys\nfrom limi_cli.cli import main\n"
        f"try:\n    main({command + ['--help']!r})\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_run_without_a_task_is_a_usage_error():
    result = limi("run", input="")
    assert result.returncode == 2 and "task is empty" in result.stderr


def test_text_output_prints_the_answer_and_traces_tools_on_stderr(tmp_path, repo):
    model = script(tmp_path, ["Reading. " + call("read_file", path="app.py"), "add subtracts instead of adding."])
    result = limi("run", "-p", "what is wrong with app.py?", "-m", model, cwd=repo)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "add subtracts instead of adding.\n"
    assert "read_file(path='app.py')" in result.stderr


def test_task_from_stdin_with_dash_and_from_a_pipe(tmp_path, repo):
    for args in (["-p", "-"], []):
        model = script(tmp_path, ["ok"])
        result = limi("run", *args, "-m", model, "-q", cwd=repo, input="say ok\n")
        assert result.returncode == 0 and result.stdout == "ok\n"
    tasks = sorted(s.first_user_message for s in list_sessions(repo / ".limi" / "sessions"))
    assert tasks == ["say ok", "say ok"]


def test_stream_json_follows_the_shared_schema(tmp_path, repo):
    model = script(tmp_path, ["Fixing. " + call("edit", path="app.py", old_string="a - b", new_string="a + b"), "Fixed."])
    result = limi("run", "-p", "fix add", "-m", model, "--output-format", "stream-json", "--include-partial-messages", cwd=repo)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    types = [line["type"] for line in lines]
    assert types[0] == "system" and lines[0]["subtype"] == "init" and "edit" in lines[0]["tools"]
    assert types[-1] == "result" and lines[-1]["subtype"] == "success" and lines[-1]["result"] == "Fixed."
    assert "stream_event" in types
    tool_use = next(b for line in lines if line["type"] == "assistant" for b in line["message"]["content"] if b["type"] == "tool_use")
    assert tool_use["name"] == "edit" and tool_use["input"]["new_string"] == "a + b"
    tool_result = next(line for line in lines if line["type"] == "user")["message"]["content"][0]
    assert tool_result["tool_use_id"] == tool_use["id"] and tool_result["is_error"] is False
    assert {line["session_id"] for line in lines} == {lines[0]["session_id"]}
    assert lines[-1]["num_turns"] == 2 and lines[-1]["usage"]["output_tokens"] > 0
    assert (repo / "app.py").read_text() == "def add(a, b):\n    return a + b\n"


def test_json_output_is_one_result_object(tmp_path, repo):
    result = limi("run", "-p", "hi", "-m", script(tmp_path, ["hello"]), "--output-format", "json", cwd=repo)
    (obj,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert obj["type"] == "result" and obj["result"] == "hello" and obj["is_error"] is False


def test_turn_limit_exits_3(tmp_path, repo):
    model = script(tmp_path, [call("list_files")] * 5)
    result = limi("run", "-p", "loop", "-m", model, "--max-turns", "2", "--output-format", "json", cwd=repo)
    assert result.returncode == 3
    assert json.loads(result.stdout)["subtype"] == "error_max_turns"
    assert log_of(repo).ended.reason == "max_turns"


def test_headless_refuses_shell_in_auto_edit_and_the_model_is_told(tmp_path, repo):
    model = script(tmp_path, [call("shell", command="touch made"), "ok"])
    result = limi("run", "-p", "x", "-m", model, "--output-format", "stream-json", cwd=repo)
    tool_result = next(json.loads(l) for l in result.stdout.splitlines() if json.loads(l)["type"] == "user")
    assert "--approval yolo" in tool_result["message"]["content"][0]["content"]
    assert not (repo / "made").exists() and result.returncode == 0


def test_server_down_is_one_line_and_exit_1(repo):
    result = limi("run", "-p", "x", "--base-url", "http://127.0.0.1:9/v1", "-m", "some-model", cwd=repo)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "cannot reach the model server at http://127.0.0.1:9/v1" in result.stderr
    assert log_of(repo).ended.reason == "error"


def test_bad_config_names_key_and_file(repo):
    (repo / ".limi").mkdir()
    (repo / ".limi" / "config.toml").write_text('approval = "sometimes"\n')
    result = limi("run", "-p", "x", cwd=repo)
    assert result.returncode == 1 and "config.toml: key 'approval'" in result.stderr and "Traceback" not in result.stderr


def test_sigterm_ends_the_session_as_interrupted(tmp_path, repo):
    model = script(tmp_path, [call("shell", command="touch tool-started; sleep 30")])
    proc = subprocess.Popen([sys.executable, "-m", "limi_cli.cli", "run", "-p", "x", "-m", model, "--approval", "yolo"],
                            cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_tool_start(repo)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=90) == 130
    log = log_of(repo)
    assert log.problems == [] and log.ended.reason == "interrupted"


def test_kill_9_keeps_the_log_readable(tmp_path, repo):
    model = script(tmp_path, ["Let me wait. " + call("shell", command="touch tool-started; sleep 31.5")])
    proc = subprocess.Popen([sys.executable, "-m", "limi_cli.cli", "run", "-p", "x", "-m", model, "--approval", "yolo"],
                            cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for_tool_start(repo)
    proc.kill()
    proc.wait(timeout=60)
    subprocess.run(["pkill", "-f", "sleep 31.5"])  # a SIGKILLed agent cannot clean up its shell's process group
    log = log_of(repo)
    assert log.problems == [] and log.ended is None
    # the checkpoint taken before the shell call (agent.checkpoints) is logged before the tool runs
    assert [e.type for e in log.events] == ["session_started", "user_message", "assistant_message", "checkpoint"]
    (summary,) = list_sessions(repo / ".limi" / "sessions")
    assert summary.end_reason == "unfinished"


def _wait_for_tool_start(ws: Path) -> None:
    """Until the shell call runs: its checkpoint is logged and the command has made its marker file."""
    def running() -> bool:
        logs = list((ws / ".limi" / "sessions").glob("*.jsonl")) if (ws / ".limi" / "sessions").is_dir() else []
        return bool(logs) and b'"checkpoint"' in logs[0].read_bytes() and (ws / "tool-started").exists()

    wait_until(running, timeout=120, what="the session to reach its tool call")


def test_sessions_show_and_export_from_the_command_line(tmp_path, repo):
    model = script(tmp_path, ["Reading. " + call("read_file", path="app.py"), "Done."])
    assert limi("run", "-p", "read app.py", "-m", model, cwd=repo).returncode == 0
    listing = limi("sessions", "list", cwd=repo)
    session_id = listing.stdout.splitlines()[1].split()[0]
    shown = limi("sessions", "show", session_id[:15], cwd=repo)
    assert shown.returncode == 0 and "→ read_file" in shown.stdout and "return a - b" in shown.stdout
    out = tmp_path / "rows.jsonl"
    exported = limi("export", session_id, "-o", str(out), cwd=repo)
    assert exported.returncode == 0, exported.stderr
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert validate_row(row) == []
    assert row["messages"][2]["tool_calls"][0]["function"]["arguments"] == {"path": "app.py"}


def test_unknown_session_prefix_is_a_clear_error(tmp_path, repo):
    assert limi("run", "-p", "hi", "-m", script(tmp_path, ["hello"]), cwd=repo).returncode == 0
    result = limi("sessions", "show", "nope", cwd=repo)
    assert result.returncode == 1 and result.stderr.startswith("limi-cli: error:") and "nope" in result.stderr


@pytest.mark.slow
def test_embedded_model_end_to_end_leaves_a_valid_log_that_exports(tmp_path, repo):
    result = limi("run", "-p", "List the files in this repository.", "--max-turns", "3", "--output-format", "stream-json",
                  env={"LIMI_MAX_TOKENS": "96", "LIMI_SEED": "7"}, cwd=repo, timeout=300)
    assert result.returncode in (0, 3), result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["model"] == "SmolLM2-135M-Instruct" and lines[-1]["type"] == "result"
    assistant = [line for line in lines if line["type"] == "assistant"]
    assert assistant and assistant[0]["message"]["usage"]["output_tokens"] > 0
    log = log_of(repo)
    assert log.problems == [] and log.started.backend == "embedded" and log.started.git_head
    out = tmp_path / "rows.jsonl"
    assert limi("export", "--all", "-o", str(out), cwd=repo).returncode == 0
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert validate_row(row, allow_unknown_tools=True) == []
    assert row["messages"][0]["role"] == "system" and row["messages"][1]["content"] == "List the files in this repository."
