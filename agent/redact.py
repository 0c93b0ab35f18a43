"""Secret redaction for everything limi-cli writes: the trajectory log, exports, the
``json``/``stream-json``/text output of ``limi-cli run`` and evaluation results.

Sessions run shell commands and read files of a workspace that is not trusted, so tool
outputs (and the model's text) can contain API keys, tokens, passwords and private keys.
Every writer passes what it writes through a :class:`Redactor` (:func:`default_redactor`
builds one from the environment) before it leaves the process.

Two sources of secrets are replaced with ``[REDACTED:<kind>]``:

- the values of environment variables whose names contain KEY, TOKEN, SECRET or
  PASSWORD (kind ``env:<NAME>``), plus any extra values given to the redactor;
- well-known secret shapes: OpenAI/Anthropic/GitHub/AWS/Slack/Google/HF/Stripe keys,
  JWTs, PEM and PGP private keys (whole, cut short after the header, or a bare body of
  base64 lines), ``Bearer``/``Basic`` credentials, passwords in URLs and
  ``password = "literal"`` style assignments.

Code that only *names* a secret is left alone, byte for byte: an assignment's value is a
secret only when it is a literal (a quoted string or a bare token such as ``s3cr3t-Value``),
never an identifier or attribute (``api_key=API_KEY``, ``token=self.token``), a call or
subscript, a type (``password: SecretStr``), a placeholder (``{password}``, ``$PASS``,
``%(pw)s``, ``<password>``) or a path in ``PWD=/home/me``. Key shapes that also occur as
words (``sk-`` CSS classes) must hold digits, letters and enough entropy.

Lone surrogates (from undecodable tool output or a model's broken escape) cannot be
encoded as UTF-8; redaction replaces them with U+FFFD so no writer crashes on them.

Speed: the env values are one compiled alternation; each secret shape is its own regex
that starts with a literal (so ``re`` scans for it quickly) and runs only when one of its
literal hints is in the text (the bare key-body rule has a byte-translate pre-check for a
64-character base64 run instead). Text without any hint, the common case on the hot
path, costs a few substring checks.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SECRET_NAME_WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD")
MIN_SECRET_LEN = 6  # shorter env values are too likely to be common strings

_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (so it encodes as UTF-8)."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub("\ufffd", text)


# -- what a literal secret value looks like --------------------------------------------

_PLACEHOLDER = re.compile(
    r"\{[^{}]*\}"  # {password}, {{ secrets.PW }} (also inside a template: "pw-{n}")
    r"|\$[{(]|\A\$[A-Za-z_]"  # ${VAR}, $(cmd), $VAR (a "pa$$word" is a literal)
    r"|\A(?:%(?:\([A-Za-z_]+\))?[sdr]"  # %s, %(password)s
    r"|<[^<>]*>"  # <password>, <%= ENV['PW'] %>
    r"|\*+|[xX]+|\.\.\.+|…)\Z"  # ****, xxxx, ...: already masked
)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_WORDS = re.compile(r"[A-Za-z]+(?:[-_.]+[A-Za-z]+)+")
_CONSTANT = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")  # OPENAI_API_KEY: an env variable's name
# values that are words of code or docs, not secrets ("password": "string" in a schema)
_NOT_SECRET_WORDS = frozenset({
    "none", "null", "nil", "true", "false", "undefined", "str", "string", "bytes", "text", "int", "secretstr",
    "password", "passwd", "secret", "token", "required", "optional", "hidden", "redacted", "empty", "changeme",
})
_PATH_ROOTS = ("/home/", "/Users/", "/root", "/etc/", "/var/", "/run/", "/tmp/", "/usr/", "/opt/", "/srv/",
               "/mnt/", "/workspace", "/app/", "/data/", "/proc/", "/dev/")
_PATH = re.compile(r"(?:~|\.{1,2})?/[\w.\-@+/]*")


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


def _key_like(body: str, min_segment: int = 16) -> bool:
    """A key body (after ``sk-`` and the like), not words joined by hyphens such as a CSS
    class ``sk-button-primary-large``: a hyphen-free run of ``min_segment`` or more
    characters holding both letters and digits, and the whole body of high entropy."""
    longest = max(body.split("-"), key=len)
    return (len(longest) >= min_segment and any(c.isdigit() for c in longest) and any(c.isalpha() for c in longest)
            and entropy(body) >= 3.5)


def _squash(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def is_literal_secret(value: str, *, quoted: bool, key: str = "") -> bool:
    """Whether ``value``, assigned to a secret-named ``key``, is a literal secret rather
    than code that names one (an identifier, attribute, type, placeholder or path)."""
    if value.startswith("[REDACTED") or _PLACEHOLDER.search(value):
        return False
    has_digit, has_alpha = any(c.isdigit() for c in value), any(c.isalpha() for c in value)
    if len(value) < (4 if has_digit and has_alpha else 6) or entropy(value) < 2.0:
        return False  # too short or too uniform to be a secret ("wrong", "aaaaaaaa")
    if value.lower() in _NOT_SECRET_WORDS:
        return False
    if not has_digit and _WORDS.fullmatch(value):
        return False  # words joined by - _ . : a name ("X-Xet-Access-Token", "my_secret_key"), not a secret
    if not has_digit and key and _squash(key) in _squash(value):
        return False  # apiKey = "apiKey", CHALLENGE_PASSWORD: "challengePassword": a name
    if key.lower() == "pwd" and _PATH.fullmatch(value):
        return False  # PWD=/home/me: the working directory, not a password
    if _PATH.fullmatch(value) and (value[0] in "~." or value.startswith(_PATH_ROOTS)):
        return False  # private_key: /etc/ssl/private/key.pem names a file
    if quoted:
        if any(c.isspace() for c in value):
            return False  # prose: a label, help text, a message ("Password:", "enter your password")
        return not _CONSTANT.fullmatch(value)  # "OPENAI_API_KEY": the name of a variable
    if _IDENTIFIER.fullmatch(value):
        if not any(c.isdigit() for c in value) or "." in value:
            return False  # API_KEY, SecretStr, self.token, settings.SECRET_KEY, str
        if key and _squash(key) in _squash(value):
            return False  # password=password2, api_key=apikey1: a variable named after the key
        if "_" in value:  # api_key_2, KEY_V2: a snake-case name unless long and random
            return len(value) >= 20 and entropy(value) >= 3.5
    return True


# -- the rules ----------------------------------------------------------------------------

# Chars a bare (unquoted) assigned value may hold.
_BARE = r"[^\s\"'`,;(){}\[\]<>]"
# the names of assigned secrets, lower case (matched in any case); ``_`` stands for an
# optional ``_`` or ``-`` separator
_KEY_NAMES = (
    "passwd", "password", "passphrase", "pass", "pwd", "secret", "client_secret", "secret_key", "private_key",
    "api_key", "access_key", *(f"{w}_token" for w in ("access", "auth", "api", "refresh", "session", "bearer", "secret")),
)
_KEY_SPELLINGS = sorted({k.replace("_", sep) for k in _KEY_NAMES for sep in ("", "_", "-")}, key=len, reverse=True)
_ASSIGN_KEYS = "|".join(_KEY_SPELLINGS)
_KEY_ANCHORS = ("pass", "pwd", "secret", "key", "token")  # every spelling holds one of these
# for each anchor word, where it can sit inside a spelling: a key starts that far before it
_ANCHOR_OFFSETS = {a: tuple(sorted({k.find(a) for k in _KEY_SPELLINGS if a in k})) for a in _KEY_ANCHORS}
_NL = r"(?:\r?\n|\\r\\n|\\n)"  # a line break, also as the two characters \n inside JSON or a string literal
_LINE_PREFIX = r"[ \t]*+(?:\d++[\t:|][ \t]*+)?"  # indentation and line numbers (read_file, grep -n, cat -n)
_PEM_LABEL = r"(?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?"
_LINE_END = r"[ \t]*\r?(?=\r?\n|\\r\\n|\\n|\Z|[\"'`])"
# a line of a key body: base64 (16+ chars or padded), a PGP checksum, an armor header, or blank
_PEM_BODY_LINE = (rf"{_NL}{_LINE_PREFIX}(?:[A-Za-z0-9+/]{{16,}}={{0,2}}|[A-Za-z0-9+/]*={{1,2}}|=[A-Za-z0-9+/]{{4}}"
                  rf"|[A-Z][A-Za-z]*(?:-[A-Za-z]+)*: [^\n\\]*|){_LINE_END}")
_B64_FULL_LINE = rf"{_LINE_PREFIX}(?:[A-Za-z0-9+/]{{64}}|[A-Za-z0-9+/]{{70}}){_LINE_END}"
_LINE_START = r"(?:(?m:^)|(?<=\\n))"
# full-width key-body lines at the end of a text (stream_cut holds them until the run ends)
_B64_RUN_TAIL = re.compile(rf"(?:(?m:^){_B64_FULL_LINE}\r?\n)+\Z")


@dataclass(frozen=True)
class _Rule:
    """One secret shape: its regex, the groups to replace (empty: the whole match),
    literal hints one of which any match contains (``hints`` case-sensitive, ``hints_ci``
    checked on lower-cased text) so the regex runs only when one is present, an optional
    ``precheck`` that can stand in for the hints, and an optional ``check`` a match must
    pass to be replaced (its value is code or prose otherwise)."""

    kind: str
    regex: re.Pattern[str]
    groups: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    hints_ci: tuple[str, ...] = ()
    precheck: Callable[[str], bool] | None = None
    check: Callable[[re.Match[str]], bool] | None = None
    # {word: offsets}: the regex is tried only where ``word`` occurs (lower-cased), that
    # many characters before it; much faster than scanning with a case-insensitive regex
    anchors: Mapping[str, tuple[int, ...]] | None = None


def _rule(kind: str, rx: str, groups: tuple[str, ...] = (), hints=(), hints_ci=(), precheck=None, check=None,
          anchors=None) -> _Rule:
    return _Rule(kind, re.compile(rx), groups, tuple(hints), tuple(hints_ci), precheck, check, anchors)


_B64_BYTES = bytes(ord("a") if chr(i).isascii() and (chr(i).isalnum() or chr(i) in "+/") else ord(" ") for i in range(256))
_B64_RUN = b"a" * 64


def _has_b64_run(text: str) -> bool:
    """A run of 64 base64 characters somewhere (a line of a key body); ~0.15 ms per 100 KB."""
    return _B64_RUN in text.encode("utf-8", "surrogatepass").translate(_B64_BYTES)


def _bare_key_body(m: re.Match[str]) -> bool:
    """Lines of base64 without a BEGIN line: a private key read from its middle, unless the
    block belongs to a certificate or public key (a BEGIN/END line that is not PRIVATE)."""
    lines = re.split(_NL, m.string[max(0, m.start() - 200):m.start()])
    if len(lines) >= 2 and "-----BEGIN " in lines[-2]:
        return False
    end = re.match(rf"{_NL}{_LINE_PREFIX}-----END ([A-Z0-9 ]+)-----", m.string[m.end():m.end() + 200])
    return not (end and "PRIVATE" not in end.group(1))


def _basic_credentials(m: re.Match[str]) -> bool:
    """``Basic <base64>`` whose payload decodes to ``user:password``, not the word basic."""
    try:
        raw = base64.b64decode(m.group("v") + "=" * (-len(m.group("v")) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return ":" in raw and raw.isprintable()


_B64_16 = re.compile(r"[A-Za-z0-9+/]{16}")


def _key_block(m: re.Match[str]) -> bool:
    """A whole key, or a cut one that still holds key material (not a lone BEGIN line in code)."""
    text = m.group(0)
    return "-----END " in text or _B64_16.search(text, text.index("-----", 5) + 5) is not None


def _group_check(group: str, pred: Callable[[str], bool]) -> Callable[[re.Match[str]], bool]:
    return lambda m: pred(m.group(group))


def _assignment(m: re.Match[str]) -> bool:
    key = m.group("k")
    if key.lower() == "pass" and not (key == "PASS" and m.start() and m.string[m.start() - 1] == "_"):
        return False  # "pass" alone is a word (a test's pass/fail, Python's pass): only DB_PASS=, SMTP_PASS=
    # the key starts a word: not inside ``mypassword``, ``getPassword``; an upper-case
    # prefix only before an upper-case key (PGPASSWORD, DB-style env names)
    before = m.string[m.start() - 1] if m.start() else ""
    if before and (before.islower() or before.isdigit() or (before.isupper() and not m.group("k")[:2].isupper())):
        return False
    quoted = m.group("vd") if m.group("vd") is not None else m.group("vs")
    if quoted is not None:
        return is_literal_secret(quoted, quoted=True, key=m.group("k"))
    return is_literal_secret(m.group("vb"), quoted=False, key=m.group("k"))


def _url_password(value: str) -> bool:
    return not (value.startswith("[REDACTED") or _PLACEHOLDER.search(value) or set(value) <= {"*", "x", "X"})


# Rules run in order; later rules never match inside an earlier ``[REDACTED:...]``.
RULES: tuple[_Rule, ...] = (
    # a whole PEM/PGP private key, or one cut short: the header and the key lines after it
    _rule("private_key",
          rf"-----BEGIN {_PEM_LABEL}-----(?:[\s\S]{{0,65536}}?-----END {_PEM_LABEL}-----"
          rf"|(?:{_PEM_BODY_LINE})*(?:{_NL}{_LINE_PREFIX}-----END {_PEM_LABEL}-----)?)",
          hints=("PRIVATE KEY",), check=_key_block),
    # the body of a key without its BEGIN line (read from the middle of a file): 3+ full
    # 64/70-wide base64 lines, and any key lines and END line after them ...
    _rule("private_key",
          rf"{_LINE_START}{_B64_FULL_LINE}(?:{_NL}{_B64_FULL_LINE}){{2,}}(?:{_PEM_BODY_LINE})*"
          rf"(?:{_NL}{_LINE_PREFIX}-----END {_PEM_LABEL}-----)?",
          precheck=_has_b64_run, check=_bare_key_body),
    # ... or the last lines of one, ending at its END line
    _rule("private_key",
          rf"{_LINE_START}{_LINE_PREFIX}[A-Za-z0-9+/]{{16,}}={{0,2}}{_LINE_END}(?:{_PEM_BODY_LINE})*"
          rf"{_NL}{_LINE_PREFIX}-----END {_PEM_LABEL}-----",
          hints=("PRIVATE KEY",)),
    _rule("anthropic_key", r"sk-ant-(?<![A-Za-z0-9_\-]sk-ant-)(?P<b>[A-Za-z0-9_\-]{20,})", hints=("sk-ant-",),
          check=_group_check("b", lambda b: _key_like(b, 12))),
    _rule("openai_key", r"sk-(?<![A-Za-z0-9_\-]sk-)(?P<b>[A-Za-z0-9_\-]{20,})", hints=("sk-",),
          check=_group_check("b", _key_like)),
    _rule("stripe_key", r"[sr]k_(?<![A-Za-z0-9_][sr]k_)(?:live|test)_[A-Za-z0-9]{16,}", hints=("k_live_", "k_test_")),
    _rule("github_token", r"g(?<![A-Za-z0-9_]g)(?:h[pousr]_[A-Za-z0-9]{20,}|ithub_pat_[A-Za-z0-9_]{20,})",
          hints=("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")),
    _rule("aws_access_key", r"A[KS]IA(?<![A-Z0-9]A[KS]IA)[0-9A-Z]{16}(?![0-9A-Z])", hints=("AKIA", "ASIA")),
    _rule("slack_token", r"xox(?<![A-Za-z0-9]xox)[abeprs]-[A-Za-z0-9\-]{10,}", hints=("xox",)),
    _rule("slack_webhook", r"hooks\.slack\.com/services/[A-Za-z0-9_/]{20,}", hints=("hooks.slack.com",)),
    _rule("google_api_key", r"AIza(?<![A-Za-z0-9]AIza)[0-9A-Za-z_\-]{35}", hints=("AIza",)),
    _rule("hf_token", r"hf_(?<![A-Za-z0-9_]hf_)[A-Za-z0-9]{30,}", hints=("hf_",)),
    # Bearer <token>: keeps the word; the token must hold a digit (not prose like "bearer tokens")
    _rule("bearer", r"[bB][eE][aA][rR][eE][rR][ \t]+(?P<v>(?=[A-Za-z0-9\-._~+/]*[0-9])[A-Za-z0-9\-._~+/]{8,}=*)",
          ("v",), hints_ci=("bearer",)),
    # Basic <base64 of user:password> (any case), keeping the word
    _rule("basic_auth", r"[bB][aA][sS][iI][cC][ \t]+(?P<v>[A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])",
          ("v",), hints_ci=("basic",), check=_basic_credentials),
    # curl -u user:password / --user user:password
    _rule("basic_auth", r"-(?:(?<=\s-)u|-user)[ \t=]+[\"']?[^\s:\"'$]+:(?P<v>[^\s\"']{3,})",
          ("v",), hints=("-u", "--user"), check=_group_check("v", _url_password)),
    # .netrc: machine HOST login USER password PASSWORD
    _rule("password", r"login[ \t]+\S+[ \t]+password[ \t]+(?P<v>[^\s\"']+)", ("v",), hints=("login",),
          check=_group_check("v", _url_password)),
    # a JWT: header.payload.signature, both first parts base64url JSON objects
    _rule("jwt", r"eyJ(?<![A-Za-z0-9_\-]eyJ)[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*", hints=("eyJ",)),
    # scheme://user:password@host (the user may be empty: redis://:pw@host); to the last @
    _rule("url_password", r"://[^/\s:@\"'<>\[\]]*:(?P<v>[^/\s\"'<>]+)@", ("v",), hints=("://",),
          check=_group_check("v", _url_password)),
    # password = "value", "api_key": "value" (JSON, YAML, Python, TOML, PHP =>), and bare
    # PASSWORD=value / api_key: value (env files, shell, YAML); an annotated
    # ``password: str = "value"`` too. :func:`is_literal_secret` decides the value.
    _rule(
        "password",
        rf"(?P<k>(?i:{_ASSIGN_KEYS}))[\"']?"
        r"(?::[ \t]*[A-Za-z_][\w.\[\], |]{0,60}?[ \t]*(?==[^=>]))?(?::|[ \t]*(?:=>|=))[ \t]*"
        rf"(?:\"(?P<vd>[^\"\n]*)\"|'(?P<vs>[^'\n]*)'|(?P<vb>(?![=>]){_BARE}++)(?![(\[]))",
        ("vd", "vs", "vb"),
        hints_ci=_KEY_ANCHORS,
        check=_assignment,
        anchors=_ANCHOR_OFFSETS,
    ),
)


# Personal data, off by default (tool output is full of git author e-mails and numbers that
# are not secrets); ``Redactor(pii=True)`` adds them, as ``limi-cli data scrub`` does.
PII_RULES: tuple[_Rule, ...] = (
    _rule("email", r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}(?![A-Za-z])",
          hints=("@",)),
    # +country, (area) or 3-3-4 digits joined by - or .: never bare or space-separated numbers
    _rule("phone", r"(?<![\w+.\-])(?:\+\d{1,3}[ .\-]?(?:\(\d{1,4}\)[ .\-]?)?\d{2,4}[ .\-]\d{3,4}(?:[ .\-]\d{3,4})?"
          r"|\(\d{2,4}\)[ .\-]?\d{3,4}[ .\-]\d{3,4}|\d{3}[.\-]\d{3}[.\-]\d{4})(?![\w.\-])",
          hints=("+", "(", "-", ".")),
)


class Redactor:
    """Replaces secrets in text and JSON-like data, counting what it replaced by kind.

    ``environ`` defaults to ``os.environ`` as it is now; ``extra_values`` are more exact
    strings to hide (kind ``value``). ``counts`` accumulates over calls until
    :meth:`reset_counts`; :meth:`report` returns it as a plain dict. Lone surrogates
    become U+FFFD, so what comes out always encodes as UTF-8.
    """

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        extra_values: Iterable[str] = (),
        *,
        patterns: bool = True,
        pii: bool = False,
    ) -> None:
        env = os.environ if environ is None else environ
        self._values: dict[str, str] = {}  # secret value -> kind
        for name, value in env.items():
            upper = name.upper()
            if len(value) >= MIN_SECRET_LEN and any(w in upper for w in SECRET_NAME_WORDS):
                self._values.setdefault(value, f"env:{name}")
        for value in extra_values:
            if len(value) >= MIN_SECRET_LEN:
                self._values.setdefault(value, "value")
        self.counts: Counter[str] = Counter()
        self._rules = (RULES if patterns else ()) + (PII_RULES if pii else ())
        self._env_regex: re.Pattern[str] | None = None
        if self._values:
            # longest first, so a value that contains another is replaced whole
            self._env_regex = re.compile("|".join(re.escape(v) for v in sorted(self._values, key=len, reverse=True)))
        # the values as they also appear inside JSON text (escaped), for might_contain()
        self._value_hints = tuple({json.dumps(v, ensure_ascii=False)[1:-1] for v in self._values} | set(self._values))
        self._hints = tuple({h for r in self._rules for h in r.hints})
        self._hints_ci = tuple({h for r in self._rules for h in r.hints_ci})
        self._prechecks = tuple({r.precheck for r in self._rules if r.precheck is not None})
        self._multiword = any(any(c.isspace() for c in v) for v in self._values)  # see stream_cut

    def might_contain(self, text: str) -> bool:
        """Cheap check: False means :meth:`redact_text` would surely change nothing.

        Also valid on the JSON serialisation of data (escaped values are checked too),
        which lets the log writer skip the structured walk for clean events.
        """
        if any(v in text for v in self._value_hints) or any(h in text for h in self._hints):
            return True
        if self._hints_ci:
            lower = text.lower()
            if any(h in lower for h in self._hints_ci):
                return True
        if not text.isascii() and _SURROGATE.search(text):
            return True
        return any(p(text) for p in self._prechecks)

    def stream_cut(self, text: str, hold_limit: int = 16384) -> int:
        """How much of a growing text (streamed deltas) can be redacted and sent now without
        cutting a secret in two: up to its last whitespace; only whole lines when the
        unfinished line may hold a secret that spans words (``password = x``, ``Basic x``);
        nothing from an unfinished private key block, or a run of key-body lines, on.
        Beyond ``hold_limit`` held characters everything goes."""
        line_start = text.rfind("\n") + 1
        tail = text[line_start:]
        cut = line_start
        if not (self._multiword or self.might_contain(tail)):
            cut += max(tail.rfind(" "), tail.rfind("\t")) + 1
        begin = text.rfind("-----BEGIN ")
        if begin != -1:
            end = text.find("-----END ", begin)
            if end == -1 or "\n" not in text[end:]:  # the END line is not whole yet
                cut = min(cut, begin)
        run = _B64_RUN_TAIL.search(text, 0, line_start)
        if run is not None:
            cut = min(cut, run.start())
        return len(text) if len(text) - cut > hold_limit else cut

    def redact_text(self, text: str) -> str:
        """Return ``text`` with every secret replaced by ``[REDACTED:<kind>]`` (and lone
        surrogates by U+FFFD)."""
        text = scrub_surrogates(text)
        if len(text) < MIN_SECRET_LEN:
            return text
        if self._env_regex is not None and any(v in text for v in self._values):
            text = self._env_regex.sub(self._replace_env, text)
        lower: str | None = None
        for rule in self._rules:
            if not any(h in text for h in rule.hints):
                if rule.hints_ci:
                    if lower is None:
                        lower = text.lower()
                    hit = any(h in lower for h in rule.hints_ci)
                else:
                    hit = False
                if not hit and not (rule.precheck is not None and rule.precheck(text)):
                    continue
            if rule.anchors is not None:
                if lower is None:
                    lower = text.lower()
                if len(lower) == len(text):  # positions line up (lower() can lengthen a few non-ASCII letters)
                    new = self._sub_anchored(rule, text, lower)
                    if new is not text:
                        text, lower = new, None
                    continue
            new = rule.regex.sub(lambda m, rule=rule: self._replace(rule, m), text)
            if len(new) != len(text) or new != text:
                text, lower = new, None
        return text

    def _sub_anchored(self, rule: _Rule, text: str, lower: str) -> str:
        """``rule.regex.sub`` tried only at the starts its anchors allow."""
        starts: set[int] = set()
        for word, offsets in (rule.anchors or {}).items():
            i = lower.find(word)
            while i != -1:
                starts.update(i - off for off in offsets if i >= off)
                i = lower.find(word, i + 1)
        out: list[str] = []
        done = 0
        for start in sorted(starts):
            if start < done:
                continue
            m = rule.regex.match(text, start)
            if m is None:
                continue
            out += (text[done:m.start()], self._replace(rule, m))
            done = m.end()
        if not out:
            return text
        out.append(text[done:])
        return "".join(out)

    def redact_obj(self, obj: Any) -> Any:
        """Redact every string inside JSON-like data (dicts, lists, tuples, strings).

        Dict keys are kept (lone surrogates in them become U+FFFD); other values (numbers,
        None) pass through. Returns new containers only where something changed, so clean
        data is not copied.
        """
        if isinstance(obj, str):
            return self.redact_text(obj)
        if isinstance(obj, dict):
            items = []
            changed = False
            for k, v in obj.items():
                nv = self.redact_obj(v)
                nk = scrub_surrogates(k) if isinstance(k, str) else k
                changed = changed or nv is not v or nk is not k
                items.append((nk, nv))
            return dict(items) if changed else obj
        if isinstance(obj, (list, tuple)):
            items = [self.redact_obj(v) for v in obj]
            if all(a is b for a, b in zip(items, obj)):
                return obj
            return items if isinstance(obj, list) else tuple(items)
        return obj

    def report(self) -> dict[str, int]:
        """What was replaced so far: kind -> number of replacements."""
        return dict(self.counts)

    def reset_counts(self) -> None:
        self.counts.clear()

    def _replace_env(self, m: re.Match[str]) -> str:
        label = self._values.get(m.group(0), "value")
        self.counts[label] += 1
        return f"[REDACTED:{label}]"

    def _replace(self, rule: _Rule, m: re.Match[str]) -> str:
        if rule.check is not None and not rule.check(m):
            return m.group(0)  # code or prose that only looks like the shape
        self.counts[rule.kind] += 1
        for name in rule.groups:
            if m.group(name) is not None:  # keep the context around the secret (``Bearer ``, ``password=``)
                start, end = m.start(name) - m.start(), m.end(name) - m.start()
                whole = m.group(0)
                return f"{whole[:start]}[REDACTED:{rule.kind}]{whole[end:]}"
        return f"[REDACTED:{rule.kind}]"


_DEFAULT: dict[tuple, Redactor] = {}


def default_redactor() -> Redactor:
    """The redactor every output uses unless a session hands its own: the secret shapes
    plus the secret-named variables of the environment as it is now. One instance is
    shared while the environment's secrets stay the same, so its ``counts`` are shared
    too: make a :class:`Redactor` of your own to count."""
    key = tuple(sorted((k, v) for k, v in os.environ.items()
                       if len(v) >= MIN_SECRET_LEN and any(w in k.upper() for w in SECRET_NAME_WORDS)))
    redactor = _DEFAULT.get(key)
    if redactor is None:
        _DEFAULT.clear()  # the environment changed: the old one is stale
        redactor = _DEFAULT[key] = Redactor()
    return redactor
