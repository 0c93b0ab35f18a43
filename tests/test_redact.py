"""Secret redaction: env values, well-known secret shapes, and the log file on disk."""

from __future__ import annotations

import pytest

from agent.events import SessionStarted, ToolResult
from agent.redact import Redactor
from agent.trajectory import TrajectoryWriter, read_log

SECRETS = {
    "openai_key": "sk-proj-Ab3dEf6hIj9kLmN0pQrStUvWx",
    "anthropic_key": "sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2",
    "github_token": "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
    "aws_access_key": "AKIAIOSFODNN7EXAMPLE",
    "slack_token": "xoxb-123456789012-AbCdEfGhIj",
    "google_api_key": "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
    "hf_token": "hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345",
    "private_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n-----END OPENSSH PRIVATE KEY-----",
}


def redactor(**env: str) -> Redactor:
    return Redactor(environ=env)


@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_known_secret_pattern_is_redacted(kind):
    text = f"output: {SECRETS[kind]} end"
    assert redactor().redact_text(text) == f"output: [REDACTED:{kind}] end"


def test_github_fine_grained_token_is_redacted():
    assert redactor().redact_text("github_pat_11ABCDEFG0123456789_abcdefghij") == "[REDACTED:github_token]"


def test_bearer_token_is_redacted_and_the_word_kept():
    out = redactor().redact_text("Authorization: Bearer eyJhbGciOi.eyJzdWIi0.sig123")
    assert out == "Authorization: Bearer [REDACTED:bearer]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('password = "hunter22"', 'password = "[REDACTED:password]"'),
        ("DB_PASSWORD=Sup3rSecret!", "DB_PASSWORD=[REDACTED:password]"),
        ("api_key: abc123xyz", "api_key: [REDACTED:password]"),
        ('{"client_secret": "zzzz1234"}', '{"client_secret": "[REDACTED:password]"}'),
    ],
)
def test_secret_assignments_are_redacted(text, expected):
    assert redactor().redact_text(text) == expected


def test_password_in_url_is_redacted():
    out = redactor().redact_text("postgres://app:p4ssw0rd@db:5432/x")
    assert out == "postgres://app:[REDACTED:url_password]@db:5432/x"


@pytest.mark.parametrize(
    "text",
    [
        "self.api_key = api_key",
        "password=get_password(user)",
        "api_key: Optional[str] = None",
        "password=None",
        "password=$DB_PASS",
        'export PASSWORD="${DB_PASS}"',
        "bearer tokens are explained in the auth docs",
        "task-abcdefghijklmnopqrstuvwxyz-plan",
        "max_tokens=1024",
    ],
)
def test_code_and_prose_are_left_alone(text):
    assert redactor().redact_text(text) == text


def test_env_var_values_with_secret_names_are_redacted():
    r = redactor(MY_SERVICE_TOKEN="tok-123456", DB_Password="letmein99")
    assert r.redact_text("got tok-123456 and letmein99") == (
        "got [REDACTED:env:MY_SERVICE_TOKEN] and [REDACTED:env:DB_Password]"
    )


def test_short_env_values_are_not_redacted():
    assert redactor(API_KEY="abc").redact_text("abc abc") == "abc abc"


def test_env_vars_with_other_names_are_not_redacted():
    assert redactor(HOME="/home/someone").redact_text("cd /home/someone") == "cd /home/someone"


def test_extra_values_are_redacted():
    r = Redactor(environ={}, extra_values=["correct horse battery"])
    assert r.redact_text("it is correct horse battery") == "it is [REDACTED:value]"


def test_redaction_is_idempotent():
    r = redactor(API_KEY="zzzzzz-secret")
    once = r.redact_text(" ".join(SECRETS.values()) + ' password="hunter22" zzzzzz-secret')
    assert r.redact_text(once) == once


def test_redact_obj_recurses_into_dicts_and_lists():
    obj = {"a": [SECRETS["hf_token"], {"b": SECRETS["aws_access_key"]}], "n": 3, "k": None}
    assert redactor().redact_obj(obj) == {
        "a": ["[REDACTED:hf_token]", {"b": "[REDACTED:aws_access_key]"}], "n": 3, "k": None,
    }


def test_redact_obj_returns_clean_data_unchanged_and_uncopied():
    obj = {"a": ["plain text", {"b": "more"}], "n": 1}
    assert redactor().redact_obj(obj) is obj


def test_report_counts_replacements_by_kind():
    r = redactor(API_KEY="zzzzzz-secret")
    r.redact_obj([SECRETS["hf_token"], SECRETS["hf_token"], "zzzzzz-secret", SECRETS["aws_access_key"]])
    assert r.report() == {"hf_token": 2, "env:API_KEY": 1, "aws_access_key": 1}


def test_might_contain_is_false_for_clean_text():
    assert not redactor().might_contain("ls -la\ntotal 0\ndrwxr-xr-x 2 root root 40 .\n")


def test_log_file_on_disk_does_not_contain_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("LIMI_TEST_API_KEY", "envsecret-98765")
    path = tmp_path / "s.jsonl"
    output = "env: envsecret-98765\n" + "\n".join(SECRETS.values())
    with TrajectoryWriter(path) as w:  # default redactor: built from os.environ
        w.write(SessionStarted(session_id="s", limi_version="0", model="m", backend="b", cwd="/",
                               approval="auto", system_prompt="s"))
        w.write(ToolResult(tool_call_id="c1", name="shell", output=output))
    text = path.read_text()
    for secret in [*SECRETS.values(), "envsecret-98765"]:
        assert not any(line in text for line in secret.splitlines())
    assert "[REDACTED:env:LIMI_TEST_API_KEY]" in text
    assert read_log(path).events[1].output.count("[REDACTED:") == len(SECRETS) + 1


def test_env_value_that_json_escapes_is_redacted_in_the_log(tmp_path):
    secret = 'pa"ss\\word1'
    path = tmp_path / "s.jsonl"
    with TrajectoryWriter(path, redactor=redactor(DB_PASSWORD=secret)) as w:
        w.write(ToolResult(tool_call_id="c1", name="shell", output=f"value {secret}"))
    assert read_log(path).events[0].output == "value [REDACTED:env:DB_PASSWORD]"
