"""End to end: what ``limi-cli run`` prints (text, json, stream-json) and logs holds no
secret from the workspace, the model or the environment, and a lone surrogate from the
model or a tool cannot crash the output.

A scripted model reads a workspace file holding a fake AWS key, a JWT and a private key,
then answers with more secrets (and an env variable's secret value) in its text.
"""

from __future__ import annotations

import base64
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from agent.session_store import list_sessions

_rng = random.Random(7)
_body = base64.b64encode(_rng.randbytes(1190)).decode()
KEY_LINES = [_body[i:i + 64] for i in range(0, len(_body), 64)]
PEM = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(KEY_LINES) + "\n-----END RSA PRIVATE KEY-----\n"
AWS = "AKIAQ3EGRBXJ7TZ4MNPL"
JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsInJvbGUiOiJhZG1pbiJ9"
       ".dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk")
OPENAI = "sk-proj-Qw3rTy7uIo9pAs1dFg5hJk8lZx2cVb4nM6"
URL_PASSWORD = "Tr0ub4dor-3"
ENV_SECRET = "envsecret-Zq81xP"
CODE = "client = OpenAI(api_key=API_KEY)\npassword: SecretStr\n"

# every substring that must not appear anywhere in stdout, stderr or the log
SECRETS = [AWS, JWT.split(".")[1], JWT.split(".")[2], *KEY_LINES[:-1], OPENAI[8:], URL_PASSWORD, ENV_SECRET]


def call(name, **args):
    return f'<tool_call>{json.dumps({"name": name, "arguments": args})}</tool_call>'


ANSWER = (f"The config holds {AWS} and the token {JWT}. Use {OPENAI} with "
          f"postgres://admin:{URL_PASSWORD}@db:5432/app and {ENV_SECRET}.\n{CODE}")


@pytest.fixture
def repo(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "creds.txt").write_text(f"aws_access_key_id = {AWS}\nsession = {JWT}\n{PEM}{CODE}")
    subprocess.run(["git", "init", "-q"], cwd=ws, check=True)
    return ws


def run(tmp_path: Path, ws: Path, replies: list[str], *args: str) -> subprocess.CompletedProcess:
    model = tmp_path / "replies.json"
    model.write_text(json.dumps(replies))  # json escapes a lone surrogate as \ud800, which reads back as one
    env = {**os.environ, "LIMI_MAX_RETRIES": "0", "LIMI_TEST_SERVICE_TOKEN": ENV_SECRET}
    return subprocess.run([sys.executable, "-m", "limi_cli.cli", "run", "-p", "check the credentials",
                           "-m", f"scripted:{model}", *args],
                          cwd=ws, env=env, capture_output=True, timeout=120)


def log_text(ws: Path) -> str:
    (summary,) = list_sessions(ws / ".limi" / "sessions")
    return summary.path.read_text(encoding="utf-8")


def assert_no_secret(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked into {where}"


REPLIES = ["Reading. " + call("read_file", path="creds.txt"), ANSWER]


@pytest.mark.parametrize("partial", [False, True], ids=["whole", "partial-messages"])
def test_stream_json_stdout_and_log_hold_no_secret(tmp_path, repo, partial):
    result = run(tmp_path, repo, REPLIES, "--output-format", "stream-json", *(["--include-partial-messages"] if partial else []))
    stdout = result.stdout.decode("utf-8")
    assert result.returncode == 0, result.stderr.decode()
    assert_no_secret("stdout", stdout)
    assert_no_secret("stderr", result.stderr.decode("utf-8"))
    assert_no_secret("the log", log_text(repo))
    lines = [json.loads(line) for line in stdout.splitlines()]
    tool_output = next(line for line in lines if line["type"] == "user")["message"]["content"][0]["content"]
    for kind in ("aws_access_key", "jwt", "private_key"):
        assert f"[REDACTED:{kind}]" in tool_output
    for line in CODE.splitlines():  # code that only names a secret is shown as it is
        assert f"\t{line}" in tool_output
    assert "[REDACTED:env:LIMI_TEST_SERVICE_TOKEN]" in lines[-1]["result"]
    if partial:  # the streamed deltas, joined, are the redacted answer (secrets split over deltas included)
        deltas = "".join(line["event"]["delta"]["text"] for line in lines
                         if line["type"] == "stream_event" and line["event"]["delta"]["type"] == "text_delta")
        assert deltas.rstrip().endswith(lines[-1]["result"])


def test_json_stdout_and_log_hold_no_secret(tmp_path, repo):
    result = run(tmp_path, repo, REPLIES, "--output-format", "json")
    assert result.returncode == 0, result.stderr.decode()
    stdout = result.stdout.decode("utf-8")
    assert_no_secret("stdout", stdout)
    assert_no_secret("the log", log_text(repo))
    (obj,) = [json.loads(line) for line in stdout.splitlines()]
    assert "[REDACTED:url_password]" in obj["result"] and "[REDACTED:openai_key]" in obj["result"]
    assert obj["result"].endswith(CODE.rstrip())


def test_text_stdout_stderr_and_log_hold_no_secret(tmp_path, repo):
    result = run(tmp_path, repo, REPLIES)
    assert result.returncode == 0, result.stderr.decode()
    stdout, stderr = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    assert_no_secret("stdout", stdout)
    assert_no_secret("stderr", stderr)
    assert_no_secret("the log", log_text(repo))
    assert "[REDACTED:aws_access_key]" in stdout and stdout.endswith(CODE)
    assert "read_file(path='creds.txt')" in stderr  # the trace on stderr still shows what ran


SURROGATE_REPLIES = [
    # a file name that is not UTF-8 reaches Python as a lone surrogate (\udcff) in list_files' output
    "Listing. " + call("list_files"),
    "Done \ud800 here.",  # and one in the model's answer
]


@pytest.mark.parametrize("fmt", ["json", "stream-json", "text"])
def test_a_lone_surrogate_does_not_crash_the_output(tmp_path, repo, fmt):
    (repo / os.fsdecode(b"bad\xff.txt")).write_text("x\n")
    args = ["--output-format", fmt, *(["--include-partial-messages"] if fmt == "stream-json" else [])]
    result = run(tmp_path, repo, SURROGATE_REPLIES, *args)
    assert result.returncode == 0, result.stderr.decode()
    stdout = result.stdout.decode("utf-8")  # strict: the output is valid UTF-8 (no raw \xff byte either)
    assert "Traceback" not in result.stderr.decode("utf-8", "replace")
    if fmt == "text":
        assert stdout == "Done \ufffd here.\n"
        assert "bad\ufffd.txt" in result.stderr.decode("utf-8")
        return
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert lines[-1]["type"] == "result" and lines[-1]["result"] == "Done \ufffd here."
    if fmt == "stream-json":
        tool_output = next(line for line in lines if line["type"] == "user")["message"]["content"][0]["content"]
        assert "bad\ufffd.txt" in tool_output
    log = log_text(repo)
    assert "\ud800" not in log and "Done \ufffd here." in log


# -- the other writers: exports, curation inputs, eval results, streamed deltas ---------------

def _raw_log(path: Path) -> Path:
    """A log written without pattern redaction, as an older limi-cli (or older rules) left it."""
    from agent.events import AssistantMessage, SessionEnded, SessionStarted, ToolResult, UserMessage
    from agent.messages import ToolCall
    from agent.redact import Redactor
    from agent.trajectory import TrajectoryWriter

    with TrajectoryWriter(path, redactor=Redactor(environ={}, patterns=False)) as w:
        for e in [
            SessionStarted(session_id=path.stem, limi_version="0", model="m", backend="b", cwd="/w", approval="auto",
                           system_prompt="s"),
            UserMessage(content=f"use {OPENAI} to check"),
            AssistantMessage(turn=1, content="Reading.", tool_calls=[ToolCall(id="c1", name="read_file",
                                                                              arguments={"path": "creds.txt"})]),
            ToolResult(tool_call_id="c1", name="read_file", output=f"{AWS}\n{JWT}\n{PEM}{CODE}"),
            AssistantMessage(turn=2, content=ANSWER.replace(ENV_SECRET, "")),
            SessionEnded(reason="done", final_text="ok", turns=2),
        ]:
            w.write(e)
    assert AWS in path.read_text()  # the premise: the log itself holds the secrets
    return path


def test_export_redacts_a_log_written_before_todays_rules(tmp_path):
    from agent.export import export_sessions

    report = export_sessions([_raw_log(tmp_path / "s1.jsonl")], tmp_path / "rows.jsonl")
    assert len(report.rows) == 1
    rows = (tmp_path / "rows.jsonl").read_text(encoding="utf-8")
    assert_no_secret("the exported rows", rows)
    assert "[REDACTED:private_key]" in rows and "client = OpenAI(api_key=API_KEY)" in rows


def test_curation_inputs_from_logs_are_redacted(tmp_path):
    from agent.curation.dataset_io import load_inputs

    (t,) = load_inputs([_raw_log(tmp_path / "s1.jsonl")]).rows
    assert_no_secret("the curation row", json.dumps(t.row))
    assert_no_secret("the task in meta", t.meta["task"])


def test_eval_results_file_is_redacted(tmp_path):
    from evaluation.results import ResultsFile, RoundResult, RunResult

    results = ResultsFile(tmp_path)
    results.append(RunResult(task_id="t1", status="error", error=f"backend said: {JWT}",
                             rounds=[RoundResult(round=1, stop="done", check_output=f"FAILED: {AWS} != {OPENAI}")]))
    text = results.path.read_text(encoding="utf-8")
    assert_no_secret("results.jsonl", text)
    (back,) = results.read()
    assert back.task_id == "t1" and back.error == "backend said: [REDACTED:jwt]"


def test_streamed_deltas_hold_a_secret_split_over_them_until_it_is_whole():
    from agent.events import AssistantMessage, TextDelta
    from agent.redact import Redactor
    from limi_cli.stream_json import StreamJsonMapper

    mapper = StreamJsonMapper(include_partial=True, redactor=Redactor(environ={}))
    text = f"first line\nkey {AWS} and\n{PEM}done"
    sent: list[str] = []
    for i in range(0, len(text), 5):
        objs = mapper.map_all(TextDelta(text=text[i:i + 5]))
        sent += [o["event"]["delta"]["text"] for o in objs]
        if i == 10:  # a finished line goes out at once (the next one names a key: it waits for its end)
            assert "".join(sent) == "first line\n"
    objs = mapper.map_all(AssistantMessage(turn=1, content=text))
    sent += [o["event"]["delta"]["text"] for o in objs if o["type"] == "stream_event"]
    joined = "".join(sent)
    assert_no_secret("the deltas", joined)
    assert joined == f"first line\nkey [REDACTED:aws_access_key] and\n[REDACTED:private_key]\ndone"
    assert objs[-1]["type"] == "assistant" and objs[-1]["message"]["content"][0]["text"] == joined


def _stream(text: str, step: int = 5) -> tuple[list[str], str]:
    """Feed ``text`` as deltas of ``step`` characters, then its message; the deltas sent and the message text."""
    from agent.events import AssistantMessage, TextDelta
    from agent.redact import Redactor
    from limi_cli.stream_json import StreamJsonMapper

    mapper = StreamJsonMapper(include_partial=True, redactor=Redactor(environ={}))
    sent = []
    for i in range(0, len(text), step):
        sent.append("".join(o["event"]["delta"]["text"] for o in mapper.map_all(TextDelta(text=text[i:i + step]))))
    objs = mapper.map_all(AssistantMessage(turn=1, content=text))
    sent.append("".join(o["event"]["delta"]["text"] for o in objs if o["type"] == "stream_event"))
    return sent, objs[-1]["message"]["content"][0]["text"]


def test_prose_streams_word_by_word():
    sent, _ = _stream("Hello world, this is plain prose without anything to hide", 7)
    assert sent[:3] == ["Hello ", "world, ", "this is "]


def test_a_key_body_without_its_begin_line_is_held_until_the_run_ends():
    text = "here:\n" + "\n".join(KEY_LINES[3:10]) + "\ndone\n"
    sent, message = _stream(text, 9)
    assert_no_secret("the deltas", "".join(sent))
    assert "".join(sent) == message == "here:\n[REDACTED:private_key]\ndone\n"
