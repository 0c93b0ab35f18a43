"""The redaction corpus: secrets that must never reach an output, and ordinary code that
must pass through byte for byte.

Each positive names the secret substrings that must be gone from the redacted text; each
negative must come out unchanged. The keys here are fake, built to have the real shapes.
"""

from __future__ import annotations

import base64
import json
import random

import pytest

from agent.redact import Redactor, scrub_surrogates

_rng = random.Random(12)


def _b64_lines(n_bytes: int, width: int = 64) -> list[str]:
    data = base64.b64encode(_rng.randbytes(n_bytes)).decode()
    return [data[i:i + width] for i in range(0, len(data), width)]


RSA_LINES = _b64_lines(1190)  # the size of a 2048-bit RSA key's body
EC_LINES = _b64_lines(121)
OPENSSH_LINES = ["b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW", *_b64_lines(300, 70)]
PGP_LINES = _b64_lines(900)


def pem(label: str, lines: list[str], *, begin: bool = True, end: bool = True) -> str:
    parts = ([f"-----BEGIN {label}-----"] if begin else []) + lines + ([f"-----END {label}-----"] if end else [])
    return "\n".join(parts)


def numbered(text: str, first: int = 1) -> str:
    """``text`` as read_file shows it: a right-aligned line number and a tab on each line."""
    return "\n".join(f"{n:>6}\t{line}" for n, line in enumerate(text.splitlines(), first))


JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
       ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
BASIC = base64.b64encode(b"deploy:hunter2-Zq9").decode()

# (name, text, secret substrings that must not survive)
POSITIVES: list[tuple[str, str, list[str]]] = [
    ("aws access key", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE", ["AKIAIOSFODNN7EXAMPLE"]),
    ("aws secret key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
     ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]),
    ("github classic token", "git clone https://ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8@github.com/o/r",
     ["ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"]),
    ("github fine-grained token", "GH_TOKEN=github_pat_11ABCDEFG0123456789_abcdefghijKLMNOPQRSTuvwxyz0123",
     ["github_pat_11ABCDEFG0123456789_abcdefghijKLMNOPQRSTuvwxyz0123"]),
    ("openai project key", 'client = OpenAI(api_key="sk-proj-Ab3dEf6hIj9kLmN0pQrStUvWxYz12-_aB3cD4eF5gH6iJ7kL8")',
     ["Ab3dEf6hIj9kLmN0pQrStUvWx"]),
    ("openai legacy key", "OPENAI=sk-4fG7hJ2kL9mN3pQ6rS8tV1wX5yZ0aB4cD7eF2gH9jK3lM6nP", ["4fG7hJ2kL9mN3pQ6rS8tV1wX5yZ0aB4cD7eF2gH9jK3lM6nP"]),
    ("anthropic key", "key: sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0-AbCdEfGh", ["Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2"]),
    ("slack bot token", "SLACK=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", ["xoxb-123456789012"]),
    ("google api key", 'const key = "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"', ["AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"]),
    ("stripe live key", "stripe.api_key = 'sk_live_51HxYzAbCdEfGhIjKlMnOpQr'", ["sk_live_51HxYzAbCdEfGhIjKlMnOpQr"]),
    ("huggingface token", "HF=hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345", ["hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345"]),
    ("bare jwt", f"the session cookie is {JWT} (expires soon)", [JWT.split(".")[1], JWT.split(".")[2]]),
    ("jwt in json", json.dumps({"id_token": JWT}), [JWT.split(".")[1]]),
    ("basic auth header", f"Authorization: Basic {BASIC}", [BASIC]),
    ("basic auth lower case", f"curl -H 'authorization: basic {BASIC}' https://api", [BASIC]),
    ("curl user", "curl -u deploy:hunter2-Zq9 https://api.example.com", ["hunter2-Zq9"]),
    ("bearer header", "Authorization: Bearer 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", ["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"]),
    ("rsa key, whole", pem("RSA PRIVATE KEY", RSA_LINES), RSA_LINES),
    ("ec key, whole", f"key.pem:\n{pem('EC PRIVATE KEY', EC_LINES)}\n", EC_LINES),
    ("openssh key, whole", pem("OPENSSH PRIVATE KEY", OPENSSH_LINES), OPENSSH_LINES),
    ("pkcs8 key in a json string", json.dumps({"type": "service_account", "private_key": pem("PRIVATE KEY", RSA_LINES) + "\n"}),
     RSA_LINES),
    ("rsa key cut after the header (no END)", pem("RSA PRIVATE KEY", RSA_LINES[:6], end=False) + "\n[output truncated]",
     RSA_LINES[:6]),
    ("rsa key cut, as read_file numbers it", numbered(pem("RSA PRIVATE KEY", RSA_LINES[:9], end=False)), RSA_LINES[:9]),
    ("rsa key body read from its middle, with END", "\n".join(RSA_LINES[8:]) + "\n-----END RSA PRIVATE KEY-----",
     RSA_LINES[8:-1]),
    ("rsa key body read from its middle, no END", "\n".join(RSA_LINES[5:12]), RSA_LINES[5:12]),
    ("openssh body read from its middle, numbered", numbered("\n".join(OPENSSH_LINES[3:9]), 4), OPENSSH_LINES[3:9]),
    ("last lines of a key and its END", RSA_LINES[-2] + "\n" + RSA_LINES[-1] + "\n-----END PRIVATE KEY-----", [RSA_LINES[-2]]),
    ("pgp private key block",
     pem("PGP PRIVATE KEY BLOCK", ["Version: GnuPG v2", "", *PGP_LINES, "=Zx9Q"]), PGP_LINES),
    ("pgp private key block cut short", pem("PGP PRIVATE KEY BLOCK", ["", *PGP_LINES[:5]], end=False), PGP_LINES[:5]),
    ("postgres url", "DATABASE_URL=postgres://admin:hunter2@db:5432/x", ["hunter2"]),
    ("redis url without a user", "redis://:pw@cache:6379/0", [":pw@"]),
    ("https url", "pip install -i https://user:pass@pypi.example.com/simple pkg", [":pass@"]),
    ("url password holding @", "mongodb://app:p@ss-W0rd@mongo/db", ["p@ss-W0rd", "ss-W0rd"]),
    ("python literal", 'password = "hunter2xyz"', ["hunter2xyz"]),
    ("python annotated literal", 'password: str = "hunter2xyz"', ["hunter2xyz"]),
    ("yaml bare", "database:\n  password: hunter2xyz\n", ["hunter2xyz"]),
    ("yaml quoted", "  api_key: 'Zq8-Lw2-Hx7-Vb4'", ["Zq8-Lw2-Hx7-Vb4"]),
    ("env file", "DB_HOST=db\nDB_PASSWORD=s3cr3t-Value\n", ["s3cr3t-Value"]),
    ("json", '{"user": "app", "password": "hunter2xyz"}', ["hunter2xyz"]),
    ("toml client secret", 'client_secret = "f0a9-77bc-Q1"', ["f0a9-77bc-Q1"]),
    ("php array", "'password' => 'hunter2xyz',", ["hunter2xyz"]),
    ("shell export with symbols", "export PGPASSWORD=Sup3r$ecret!", ["Sup3r$ecret!"]),
    ("camel case js", "const config = { apiKey: 'a8F3kL0qZ7' };", ["a8F3kL0qZ7"]),
    (".netrc", "machine api.example.com login deploy password p4ssW0rd-x", ["p4ssW0rd-x"]),
    ("npmrc auth token", "//registry.npmjs.org/:_authToken=npm_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5",
     ["npm_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"]),
    ("kubernetes secret data", "data:\n  password: aHVudGVyMnh5eg==\n", ["aHVudGVyMnh5eg=="]),
    ("slack webhook", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
     ["T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"]),
]

CERT_LINES = _b64_lines(900)

# ordinary code and output that names secrets without holding one: must pass unchanged
NEGATIVES: list[str] = [
    "client = OpenAI(api_key=API_KEY)",
    'client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])',
    'client = Anthropic(api_key=os.getenv("ANTHROPIC_API_KEY"))',
    "    password: SecretStr",
    "    password: str",
    "    password: Optional[str] = None",
    "def __init__(self, api_key: str | None = None, password: str = \"\") -> None:",
    'url = f"postgresql://{user}:{password}@{host}:{port}/{db}"',
    'dsn = "postgres://%(user)s:%(password)s@%(host)s/db"',
    "DATABASE_URL=postgres://$DB_USER:${DB_PASSWORD}@db:5432/app",
    ".sk-button-primary-large { color: red; }",
    '<div class="sk-spinner sk-spinner-pulse"><span class="sk-fading-circle-dot"></span></div>',
    ".sk-circle12:before { transform: rotate(330deg); }",
    "PWD=/home/alice/projects/app",
    "OLDPWD=/home/alice",
    "token = tokenizer(text)",
    "secret_key = settings.SECRET_KEY",
    'SECRET_KEY = os.environ.get("SECRET_KEY")',
    "    def get_password(self):",
    'headers = {"Authorization": f"Bearer {token}"}',
    'headers = {"Authorization": "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()}',
    "kwargs = dict(password=password, token=self.token, api_key=self.api_key)",
    "login(username=user, password=password2)",
    "if password==confirm_password:",
    'password = input("Password: ")',
    'parser.add_argument("--password", help="the database password")',
    'label = "Password:"; hint = "Use a strong password"',
    '{"password": {"type": "string", "minLength": 8}}',
    '{"password": "string", "api_key": "OPENAI_API_KEY"}',
    "export PASSWORD=\"${DB_PASS}\"",
    "password: ${{ secrets.DB_PASSWORD }}",
    'password: "{{ vault_db_password }}"',
    "private_key: /etc/ssl/private/server.key",
    "const password = process.argv[2];",
    "let password = env::var(\"PW\")?;",
    "password: this.password,\napiKey: config.apiKey,",
    "private apiKey: string;",
    "password = '********'",
    "max_tokens=1024",
    "bearer tokens are explained in the auth docs",
    "This is a basic example of authentication; basic usage follows.",
    "commit 8b2e2b6d1f0a9c3e4b5a6d7e8f90123456789abc\nAuthor: t <t@t>\n",
    'checksum = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"',
    '"integrity": "sha512-' + base64.b64encode(_rng.randbytes(64)).decode() + '"',
    'id = "550e8400-e29b-41d4-a716-446655440000"',
    '<img src="data:image/png;base64,' + base64.b64encode(_rng.randbytes(300)).decode() + '">',
    "ssh-rsa " + base64.b64encode(_rng.randbytes(270)).decode() + " alice@laptop",
    pem("CERTIFICATE", CERT_LINES),
    pem("PUBLIC KEY", _b64_lines(294)),
    "The key file starts with -----BEGIN and holds base64.",
    "AUTH_PASSWORD_VALIDATORS = [\n    {'NAME': 'x'},\n]",
    "task-abcdefghijklmnopqrstuvwxyz-plan",
    '_SK_START = b"-----BEGIN OPENSSH PRIVATE KEY-----"',
    'apiKey = "apiKey"',
    'HEADER_X_ACCESS_TOKEN = "X-Xet-Access-Token"',
    'app = WebhooksServer(webhook_secret="my_secret_key")',
    '"git://[path-to-repo[:]][ref@]path/to/file"',
    'style = {"pass": "green", "fail": "red", "error": "yellow"}',
    "rows that are JSON, pass :func:`validate_row` (roles in order)",
]


@pytest.mark.parametrize(("name", "text", "secrets"), POSITIVES, ids=[p[0] for p in POSITIVES])
def test_secret_is_redacted(name, text, secrets):
    r = Redactor(environ={})
    out = r.redact_text(text)
    assert "[REDACTED:" in out, out
    for secret in secrets:
        assert secret not in out, f"{secret!r} survived in {out!r}"
    assert r.redact_text(out) == out  # idempotent
    assert r.might_contain(text)  # the fast path would not have skipped it
    assert r.might_contain(json.dumps({"output": text}))  # nor on the log's JSON line


@pytest.mark.parametrize("text", NEGATIVES, ids=[n[:40] for n in NEGATIVES])
def test_ordinary_code_passes_unchanged(text):
    r = Redactor(environ={})
    assert r.redact_text(text) == text
    assert r.report() == {}


def test_the_corpus_is_large_enough():
    assert len(POSITIVES) >= 25 and len(NEGATIVES) >= 25


def test_text_around_a_cut_key_is_kept():
    text = "before\n" + pem("RSA PRIVATE KEY", RSA_LINES[:4], end=False) + "\n[truncated: 20 more lines]\nafter"
    assert Redactor(environ={}).redact_text(text) == "before\n[REDACTED:private_key]\n[truncated: 20 more lines]\nafter"


def test_url_keeps_everything_but_the_password():
    out = Redactor(environ={}).redact_text("postgres://admin:hunter2@db:5432/x")
    assert out == "postgres://admin:[REDACTED:url_password]@db:5432/x"


def test_lone_surrogates_become_replacement_characters():
    r = Redactor(environ={})
    assert r.redact_text("a\ud800b") == "a\ufffdb"
    assert r.redact_obj({"k\udc80": ["x\udfff"]}) == {"k\ufffd": ["x\ufffd"]}
    assert scrub_surrogates("plain") == "plain"
    assert r.might_contain("x\ud800")


def test_default_redactor_follows_the_environment(monkeypatch):
    from agent.redact import default_redactor

    monkeypatch.setenv("LIMI_CORPUS_API_KEY", "zz-env-secret-77")
    assert default_redactor().redact_text("v=zz-env-secret-77") == "v=[REDACTED:env:LIMI_CORPUS_API_KEY]"
    assert default_redactor() is default_redactor()  # built once while the environment stays the same
    monkeypatch.delenv("LIMI_CORPUS_API_KEY")
    assert default_redactor().redact_text("v=zz-env-secret-77") == "v=zz-env-secret-77"
