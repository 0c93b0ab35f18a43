"""Secret redaction for everything that goes into a trajectory log.

Sessions run shell commands and read files, so tool outputs can contain API keys,
tokens and passwords. Logs are later exported as training data and shared, so the log
writer passes every event through a :class:`Redactor` before it reaches disk.

Two sources of secrets are replaced with ``[REDACTED:<kind>]``:

- the values of environment variables whose names contain KEY, TOKEN, SECRET or
  PASSWORD (kind ``env:<NAME>``), plus any extra values given to the redactor;
- well-known secret shapes (OpenAI/Anthropic/GitHub/AWS/Slack/Google/HF keys, PEM
  private keys, ``Bearer`` tokens, ``password=...`` style assignments, passwords in URLs).

Speed: the env values are one compiled alternation; each secret shape is its own regex
that starts with a literal (so ``re`` scans for it quickly) and runs only when one of its
literal hints is in the text. Text without any hint, the common case on the hot path,
costs a few substring checks. (One big alternation of all shapes defeats ``re``'s literal
scan and measured ~20x slower on 100 KB of tool output.)
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SECRET_NAME_WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD")
MIN_SECRET_LEN = 6  # shorter env values are too likely to be common strings

# Chars a bare (unquoted) assigned value may hold; ``(?!_BARE)`` after a value makes the
# match maximal, so a following ``(`` or ``[`` (code, not a secret) rejects it.
_BARE = r"[^\s\"'`,;(){}\[\]<>]"
_ASSIGN_KEYS = (
    r"passwd|password|pwd|secret|client[_-]?secret|secret[_-]?key|private[_-]?key"
    r"|api[_-]?key|apikey|access[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token"
)


@dataclass(frozen=True)
class _Rule:
    """One secret shape: its regex, the group to replace (None: the whole match), and
    literal hints one of which any match contains (``hints`` case-sensitive,
    ``hints_ci`` checked on lower-cased text) so the regex runs only when one is present."""

    kind: str
    regex: re.Pattern[str]
    groups: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    hints_ci: tuple[str, ...] = ()


def _rule(kind: str, rx: str, groups: tuple[str, ...] = (), hints=(), hints_ci=()) -> _Rule:
    return _Rule(kind, re.compile(rx), groups, tuple(hints), tuple(hints_ci))


# Each pattern starts with a literal so ``re`` can scan for it quickly; the boundary
# checks are fixed-width look-behinds placed after the literal. Rules run in order, and
# later rules never match inside an earlier ``[REDACTED:...]`` replacement.
RULES: tuple[_Rule, ...] = (
    _rule("private_key", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----",
          hints=("PRIVATE KEY",)),
    _rule("anthropic_key", r"sk-ant-(?<![A-Za-z0-9]sk-ant-)[A-Za-z0-9_\-]{20,}", hints=("sk-ant-",)),
    _rule("openai_key", r"sk-(?<![A-Za-z0-9]sk-)(?=[A-Za-z0-9_\-]*[0-9])[A-Za-z0-9_\-]{20,}", hints=("sk-",)),
    _rule("github_token", r"g(?<![A-Za-z0-9]g)(?:h[pousr]_[A-Za-z0-9]{20,}|ithub_pat_[A-Za-z0-9_]{20,})",
          hints=("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")),
    _rule("aws_access_key", r"A[KS]IA(?<![A-Z0-9]A[KS]IA)[0-9A-Z]{16}(?![0-9A-Z])", hints=("AKIA", "ASIA")),
    _rule("slack_token", r"xox(?<![A-Za-z0-9]xox)[baprs]-[A-Za-z0-9\-]{10,}", hints=("xox",)),
    _rule("google_api_key", r"AIza(?<![A-Za-z0-9]AIza)[0-9A-Za-z_\-]{35}", hints=("AIza",)),
    _rule("hf_token", r"hf_(?<![A-Za-z0-9_]hf_)[A-Za-z0-9]{30,}", hints=("hf_",)),
    # Bearer <token>: keeps the word; the token must hold a digit (not prose like "bearer tokens")
    _rule("bearer", r"[bB][eE][aA][rR][eE][rR][ \t]+(?P<v>(?=[A-Za-z0-9\-._~+/]*[0-9])[A-Za-z0-9\-._~+/]{8,}=*)",
          ("v",), hints_ci=("bearer",)),
    # scheme://user:password@host
    _rule("url_password", r"://[^/\s:@\"']+:(?P<v>(?!\[REDACTED)[^/\s@\"']{3,})@", ("v",), hints=("://",)),
    # password = "value", "api_key": "value" (JSON, YAML, Python, TOML), and bare
    # PASSWORD=value / api_key: value (env files, shell, YAML) unless the bare value looks
    # like code: a lower-case identifier (``api_key=self.api_key``), None/True/False,
    # ``$VAR``, or something followed by ``(`` or ``[``. A quoted ``"$VAR"`` is kept too.
    _rule(
        "password",
        rf"(?<![A-Za-z0-9])(?i:{_ASSIGN_KEYS})[\"']?[ \t]*[:=][ \t]*"
        r"(?:(?P<q>[\"'])(?P<vq>(?!\[REDACTED|\$\{?[A-Za-z_])[^\"'\n]{4,})(?P=q)"
        rf"|(?P<vb>(?![a-z_.]+(?!{_BARE})|(?:None|True|False)(?!{_BARE}))(?![$%*&@]){_BARE}{{4,}})(?!{_BARE}|[(\[]))",
        ("vq", "vb"),
        hints_ci=("pass", "pwd", "secret", "key", "token"),
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
    :meth:`reset_counts`; :meth:`report` returns it as a plain dict.
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

    def might_contain(self, text: str) -> bool:
        """Cheap check: False means :meth:`redact_text` would surely change nothing.

        Also valid on the JSON serialisation of data (escaped values are checked too),
        which lets the log writer skip the structured walk for clean events.
        """
        if any(v in text for v in self._value_hints) or any(h in text for h in self._hints):
            return True
        if self._hints_ci:
            lower = text.lower()
            return any(h in lower for h in self._hints_ci)
        return False

    def redact_text(self, text: str) -> str:
        """Return ``text`` with every secret replaced by ``[REDACTED:<kind>]``."""
        if len(text) < MIN_SECRET_LEN:
            return text
        if self._env_regex is not None and any(v in text for v in self._values):
            text = self._env_regex.sub(self._replace_env, text)
        lower: str | None = None
        for rule in self._rules:
            if not any(h in text for h in rule.hints):
                if not rule.hints_ci:
                    continue
                if lower is None:
                    lower = text.lower()
                if not any(h in lower for h in rule.hints_ci):
                    continue
            text = rule.regex.sub(lambda m, rule=rule: self._replace(rule, m), text)
        return text

    def redact_obj(self, obj: Any) -> Any:
        """Redact every string inside JSON-like data (dicts, lists, tuples, strings).

        Dict keys are kept; other values (numbers, None) pass through. Returns new
        containers only where something changed, so clean data is not copied.
        """
        if isinstance(obj, str):
            return self.redact_text(obj)
        if isinstance(obj, dict):
            out = None
            for k, v in obj.items():
                nv = self.redact_obj(v)
                if nv is not v:
                    if out is None:
                        out = dict(obj)
                    out[k] = nv
            return obj if out is None else out
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
        self.counts[rule.kind] += 1
        for name in rule.groups:
            if m.group(name) is not None:  # keep the context around the secret (``Bearer ``, ``password=``)
                start, end = m.start(name) - m.start(), m.end(name) - m.start()
                whole = m.group(0)
                return f"{whole[:start]}[REDACTED:{rule.kind}]{whole[end:]}"
        return f"[REDACTED:{rule.kind}]"
