"""What a shell command will run, from a real parse of it (tree-sitter-bash).

Approval rules are written for simple commands (``git status``, ``rm -rf build``); a
command line can hold many (``a && rm x``, ``echo $(curl ...)``, ``f() { ...; }; f``).
:func:`simple_commands` lists every one of them, nested ones included, so the policy can
require each to be allowed.

:func:`analyze` goes further, for rules that must fail closed: it sees through wrappers
(``bash -c '...'``, ``env``, ``sudo``, ``timeout``, ``xargs``, ``find -exec`` ...), reads each
word as bash would (``\\rm``, ``'rm'`` and ``/bin/rm`` are all ``rm``), lists every statement an
allow rule has to cover (``export X=...`` included), and says when a command cannot be
judged at all (it does not parse, its program is ``$X`` or ``$(...)``, it uses ``eval``, it pipes
text into a shell): such a command is *unknown*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# redirect targets that write nothing anyone cares about
_HARMLESS_TARGETS = {"/dev/null", "/dev/stdout", "/dev/stderr"}
MAX_DEPTH = 4  # shell strings inside shell strings (bash -c "sh -c '...'") judged this deep
_SURROGATES = re.compile("[\ud800-\udfff]")


class ShellParseError(Exception):
    """The command could not be parsed (bad syntax, or tree-sitter-bash is not installed)."""


@dataclass(frozen=True)
class Word:
    """One word as bash will see it: ``value`` after quote removal. ``dynamic``: part of it is
    known only when it runs (``$X``, ``$(...)``, a glob, a brace expansion); then ``value`` is
    its source text. ``lead_dynamic``: it starts so, so it may expand to a flag or to several words."""

    value: str
    dynamic: bool = False
    lead_dynamic: bool = False


@dataclass(frozen=True)
class SimpleCommand:
    """One program run: ``text`` as written (with ``VAR=x`` prefixes), ``program`` without them,
    and whether it redirects output into a file (``> out.txt``). ``words``: its argv as bash
    will see it (assignments and redirects left out)."""

    text: str
    program: str
    writes_file: bool = False
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class Invocation:
    """A program the line runs: its argv, and the wrapper it was found inside (None: as written)."""

    argv: tuple[Word, ...]
    via: str | None = None

    @property
    def name(self) -> str:
        return self.argv[0].value if self.argv else ""

    @property
    def text(self) -> str:
        return " ".join(w.value for w in self.argv)


@dataclass
class Analysis:
    """What a command line does, for the rules: ``units`` are the statements an allow rule must
    cover (commands as written, ``export``, assignments, function definitions); ``invocations``
    every program run, wrappers seen through; ``unknown`` why it cannot be judged (empty: it can)."""

    units: list[str] = field(default_factory=list)
    invocations: list[Invocation] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    writes_file: bool = False

    def merge(self, other: Analysis) -> None:
        self.units += other.units
        self.invocations += other.invocations
        self.unknown += other.unknown
        self.writes_file = self.writes_file or other.writes_file


@lru_cache(maxsize=1)
def _parser() -> Any:
    try:
        import tree_sitter
        import tree_sitter_bash
    except ImportError as e:
        raise ShellParseError(f"tree-sitter-bash is not installed ({e}); pip install tree-sitter tree-sitter-bash") from None
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))


def clean_text(command: str) -> tuple[str, bool]:
    """``command`` with lone surrogates and NULs (which have no UTF-8 bytes, or which bash cuts
    at) replaced by U+FFFD, and whether there were any."""
    cleaned = _SURROGATES.sub("\ufffd", command).replace("\0", "\ufffd")
    return cleaned, cleaned != command


def _parse(command: str) -> tuple[Any, bytes]:
    source = clean_text(command)[0].encode("utf-8")
    return _parser().parse(source).root_node, source


def simple_commands(command: str) -> list[SimpleCommand]:
    """Every simple command in ``command``, in source order; raise :class:`ShellParseError`
    when the command does not parse cleanly (then nothing about it can be trusted)."""
    root, source = _parse(command)
    if root.has_error:
        raise ShellParseError("the command has a syntax error")
    return [_simple(node, source) for node in _walk(root) if node.type == "command"]


def _walk(root: Any) -> list[Any]:
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(reversed(node.children))
    return found


def _simple(node: Any, source: bytes) -> SimpleCommand:
    text = _text(node)
    parts = [c for c in node.children if c.type != "variable_assignment" and not c.type.endswith("redirect")]
    program = " ".join(_text(c) for c in parts) if parts else text
    parent = node.parent
    writes = parent is not None and parent.type == "redirected_statement" and any(
        _writes(r) for r in parent.children if r.type == "file_redirect"
    )
    return SimpleCommand(text=text, program=program, writes_file=writes, words=tuple(_argv(node, source) or ()))


def _writes(redirect: Any) -> bool:
    ops = [c for c in redirect.children if not c.is_named]
    if not ops or not any(op.type in (">", ">>", "&>", "&>>", ">|") for op in ops):
        return False  # an input redirect, or a descriptor copy like 2>&1
    targets = [_text(c) for c in redirect.children if c.is_named and c.type != "file_descriptor"][:1]
    return not targets or any(t not in _HARMLESS_TARGETS for t in targets)


def _text(node: Any) -> str:
    return node.text.decode("utf-8", errors="replace")


# -- words as bash reads them --------------------------------------------------------

_DYNAMIC_NODES = {
    "command_substitution", "process_substitution", "simple_expansion", "expansion", "arithmetic_expansion",
    "ansi_c_string", "translated_string", "brace_expression",
}


def _masked(source: bytes, start: int, end: int, node: Any) -> bytes:
    """``source[start:end]`` with expansions inside ``node`` turned into NUL bytes (dynamic) and
    redirects into spaces (not part of argv)."""
    buf = bytearray(source[start:end])
    for n in _walk(node):
        if n is node or n.end_byte <= start or n.start_byte >= end:
            continue
        a, b = max(n.start_byte, start) - start, min(n.end_byte, end) - start
        if n.type in _DYNAMIC_NODES:
            buf[a:b] = b"\0" * (b - a)
        elif n.type.endswith("redirect") or n.type == "variable_assignment":
            buf[a:b] = b" " * (b - a)
    return bytes(buf)


def split_words(text: bytes | str, original: bytes | None = None, globs_literal: bool = False) -> list[Word] | None:
    """Split like bash: quotes removed, backslashes applied; NUL bytes stand for expansions.
    None when a quote is left open. ``globs_literal``: ``* ? [`` are plain characters (rule patterns)."""
    s = text.encode("utf-8") if isinstance(text, str) else text
    orig = s if original is None else original
    words: list[Word] = []
    i, n = 0, len(s)
    while i < n:
        if s[i] in b" \t\n":
            i += 1
            continue
        if s[i : i + 2] == b"\\\n":
            i += 2
            continue
        start, buf, dyn, lead, brace = i, bytearray(), False, None, False

        def put(chunk: bytes, dynamic: bool) -> None:
            nonlocal dyn, lead
            if not chunk:
                return
            buf.extend(chunk)
            dyn = dyn or dynamic
            if lead is None:
                lead = dynamic

        while i < n and s[i] not in b" \t\n":
            c = s[i : i + 1]
            if c == b"\\":
                if s[i + 1 : i + 2] == b"\n":
                    i += 2
                    continue
                put(s[i + 1 : i + 2], False)
                i += 2
            elif c == b"'":
                j = s.find(b"'", i + 1)
                if j < 0:
                    return None
                put(s[i + 1 : j], False)
                i = j + 1
            elif c == b'"':
                j = i + 1
                while j < n and s[j : j + 1] != b'"':
                    if s[j : j + 1] == b"\\" and j + 1 < n and s[j + 1 : j + 2] in b'$`"\\\n':
                        put(b"" if s[j + 1 : j + 2] == b"\n" else s[j + 1 : j + 2], False)
                        j += 2
                        continue
                    put(s[j : j + 1], s[j : j + 1] in b"\0$`")
                    j += 1
                if j >= n:
                    return None
                i = j + 1
            elif c in b"\0$`<>|;&()" or (c in b"*?[" and not globs_literal):
                put(c, True)
                i += 1
            else:
                brace = brace or c == b"{"
                put(c, False)
                i += 1
        value = bytes(buf)
        if brace and not globs_literal and re.search(rb"\{[^{}]*(,|\.\.)[^{}]*\}", value):
            dyn, lead = True, lead or value.startswith(b"{")
        if dyn:
            words.append(Word(orig[start:i].decode("utf-8", errors="replace"), True, bool(lead)))
        else:
            words.append(Word(value.decode("utf-8", errors="replace")))
    return words


def _argv(command: Any, source: bytes) -> list[Word] | None:
    """The argv of a ``command`` node, with words tree-sitter hands to a redirect after its
    target (``rm >f -rf x`` runs ``rm -rf x``) put back."""
    words = split_words(_masked(source, command.start_byte, command.end_byte, command),
                        source[command.start_byte : command.end_byte])
    parent = command.parent
    if words is None:
        return None
    if parent is not None and parent.type == "redirected_statement":
        for r in parent.children:
            named = [c for c in r.children if c.is_named and c.type != "file_descriptor"]
            if r.type == "file_redirect" and len(named) > 1:
                more = split_words(_masked(source, named[1].start_byte, r.end_byte, r), source[named[1].start_byte : r.end_byte])
                if more is None:
                    return None
                words += more
    return words


# -- the whole line ------------------------------------------------------------------

_UNITS = {"declaration_command", "unset_command", "function_definition"}


def analyze(command: str, depth: int = 0) -> Analysis:
    """Everything :class:`Analysis` holds about ``command``; never raises on bad input (a line
    that does not parse is unknown)."""
    result = Analysis()
    cleaned, odd = clean_text(command)
    if odd:
        result.unknown.append("it holds characters that are not text (a lone surrogate or NUL)")
    if depth > MAX_DEPTH:
        result.unknown.append("shell strings are nested too deep to judge")
        return result
    try:
        root, source = _parse(cleaned)
    except ShellParseError as e:
        result.unknown.append(str(e))
        return result
    if root.has_error:
        result.unknown.append("it does not parse as bash")
    for node in _walk(root):
        t = node.type
        if t == "file_redirect" and _writes(node):
            result.writes_file = True
        elif t in _UNITS:
            result.units.append(_text(node))
        elif t == "variable_assignment" and node.parent is not None and node.parent.type not in ("command", "declaration_command"):
            result.units.append(_text(node))
        elif t == "command":
            result.units.append(_text(node))
            argv = _argv(node, source)
            if argv is None:
                result.unknown.append(f"`{_text(node)}` has an open quote")
                continue
            if not argv:
                continue  # assignments only (X=1 >f): a unit, nothing run
            _invocations(tuple(argv), None, node, source, depth, result)
    return result


_SHELLS = {"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash", "posh", "busybox"}


def _invocations(argv: tuple[Word, ...], via: str | None, node: Any, source: bytes, depth: int, out: Analysis) -> None:
    """Record ``argv`` and, through wrappers, whatever it runs."""
    head = argv[0]
    if head.dynamic:
        out.unknown.append(f"its program `{head.value}` is known only when it runs")
        return
    name = program_name(head.value)
    argv = (Word(name), *argv[1:])
    out.invocations.append(Invocation(argv, via))
    if len(out.invocations) > 200:
        out.unknown.append("it runs too many programs to judge")
        return
    args = list(argv[1:])

    def inner(words: list[Word], label: str | None = None) -> None:
        if words:
            _invocations(tuple(words), label or name, node, source, depth, out)

    def shell_string(word: Word | None, label: str) -> None:
        if word is None:
            return
        if word.dynamic:
            out.unknown.append(f"{label} runs `{word.value}`, known only when it runs")
            return
        sub = analyze(word.value, depth + 1)
        sub.invocations = [Invocation(i.argv, i.via or label) for i in sub.invocations]
        out.merge(sub)

    if name in _SHELLS:
        if name == "busybox":
            inner(args)
            return
        _shell(args, name, node, source, depth, out, shell_string)
    elif name in ("eval",):
        out.unknown.append("it uses eval")
        if all(not w.dynamic for w in args):
            shell_string(Word(" ".join(w.value for w in args)), "eval")
    elif name in ("source", "."):
        if args and args[0].dynamic:
            out.unknown.append(f"it sources `{args[0].value}`, known only when it runs")
    elif name == "trap":
        if args and not args[0].value.startswith("-"):
            shell_string(args[0], "trap")
    elif name == "find":
        _find(args, inner)
    elif name == "git":
        _git(args, out, shell_string)
    elif name == "env":
        _env(args, out, inner)
    elif name == "xargs":
        rest = _skip_options(args, _XARGS_ARG, optional_attached={"-e", "-i", "-l"})
        if rest is not None:
            inner([*rest, Word("$ARGS", True, True)] if rest else [], "xargs")
    elif name == "watch":
        rest = _skip_options(args, {"-n", "--interval", "-d", "--differences", "-q", "--equexit"}, optional_attached={"-d"})
        if rest and any(w.value in ("-x", "--exec") for w in args[: len(args) - len(rest)]):
            inner(rest)
        elif rest:
            joined = Word(" ".join(w.value for w in rest), any(w.dynamic for w in rest))
            shell_string(joined, "watch")
    elif name in ("su", "runuser"):
        for i, w in enumerate(args):
            if w.value in ("-c", "--command", "--session-command") and i + 1 < len(args):
                shell_string(args[i + 1], name)
                return
            if w.value.startswith("--command=") or w.value.startswith("--session-command="):
                shell_string(Word(w.value.split("=", 1)[1], w.dynamic, w.dynamic), name)
                return
        out.unknown.append(f"{name} starts a shell that reads what comes next")
    elif name == "command" and any(w.value.startswith("-") and set(w.value[1:]) & {"v", "V"} for w in args[:1]):
        return  # command -v NAME: looks NAME up, runs nothing
    elif name in _WRAPPERS:
        opts, positional_before = _WRAPPERS[name]
        rest = _skip_options(args, opts)
        if rest is None:
            out.unknown.append(f"`{name}` has options that hide what it runs")
            return
        if rest and name in ("sudo", "doas"):
            rest = _drop_assignments(rest)
        rest = rest[positional_before:]
        if rest:
            inner(rest)
        elif name in ("sudo", "doas", "chroot") and (name == "chroot" or any(w.value in ("-s", "-i", "--shell", "--login") for w in args)):
            out.unknown.append(f"{name} starts a shell that reads what comes next")


# wrapper: (options that take a value, positional words before the command)
_WRAPPERS: dict[str, tuple[set[str], int]] = {
    "command": (set(), 0),
    "builtin": (set(), 0),
    "exec": ({"-a"}, 0),
    "nice": ({"-n", "--adjustment"}, 0),
    "nohup": (set(), 0),
    "timeout": ({"-s", "--signal", "-k", "--kill-after"}, 1),
    "sudo": ({"-u", "--user", "-g", "--group", "-h", "--host", "-p", "--prompt", "-C", "--close-from", "-D", "--chdir",
              "-r", "--role", "-t", "--type", "-U", "--other-user", "-T", "--command-timeout", "-R", "--chroot"}, 0),
    "doas": ({"-u", "-C"}, 0),
    "time": (set(), 0),
    "stdbuf": ({"-i", "--input", "-o", "--output", "-e", "--error"}, 0),
    "setsid": (set(), 0),
    "chroot": ({"--userspec", "--groups"}, 1),
    "ionice": ({"-c", "--class", "-n", "--classdata", "-p", "--pid", "-P", "--pgid", "-u", "--uid"}, 0),
    "taskset": (set(), 1),
    "flock": ({"-w", "--timeout", "-E", "--conflict-exit-code"}, 1),
    "coproc": (set(), 0),
    "unbuffer": (set(), 0),
    "caffeinate": ({"-t", "-w"}, 0),
}
_XARGS_ARG = {"-a", "--arg-file", "-d", "--delimiter", "-E", "-I", "-L", "-n", "--max-args", "-P", "--max-procs",
              "-s", "--max-chars", "--process-slot-var", "--eof", "--replace", "--max-lines"}


def program_name(word: str) -> str:
    """``/usr/bin/rm`` and ``./rm`` are ``rm``: rules name programs, not paths."""
    return word.rstrip("/").rsplit("/", 1)[-1] or word


def _skip_options(args: list[Word], takes_value: set[str], optional_attached: set[str] = frozenset()) -> list[Word] | None:
    """The words after a wrapper's options (``--`` ends them); None when an option is dynamic."""
    i = 0
    while i < len(args):
        w = args[i]
        if w.lead_dynamic:
            return None
        v = w.value
        if v == "--":
            return args[i + 1 :]
        if not v.startswith("-") or v == "-":
            return args[i:]
        if v.startswith("--"):
            if "=" not in v and v in takes_value:
                i += 1
        elif v[:2] in takes_value and len(v) == 2 and v not in optional_attached:
            i += 1
        elif len(v) > 2 and v[1:].isdigit():
            pass  # nice -5
        i += 1
    return []


def _drop_assignments(words: list[Word]) -> list[Word]:
    i = 0
    while i < len(words) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[i].value, re.S):
        i += 1
    return words[i:]


def _shell(args, name, node, source, depth, out: Analysis, shell_string) -> None:
    """``bash [options] -c STRING``, ``bash FILE``, or a shell reading its stdin."""
    i, c_mode, stdin = 0, False, False
    while i < len(args):
        w = args[i]
        if w.lead_dynamic:
            if c_mode:
                break  # the command string
            out.unknown.append(f"{name} gets `{w.value}`, known only when it runs")
            return
        v = w.value
        if v in ("--", "-"):
            i += 1
            break
        if v.startswith("--"):
            if v in ("--rcfile", "--init-file"):
                i += 1
        elif v[:1] in "-+" and len(v) > 1:
            c_mode = c_mode or "c" in v[1:]
            stdin = stdin or "s" in v[1:]
            if v[-1] in "oO":
                i += 1
        else:
            break
        i += 1
    operand = args[i] if i < len(args) else None
    if c_mode:
        if operand is None:
            out.unknown.append(f"{name} -c has no command")
        shell_string(operand, f"{name} -c")
        return
    if operand is not None and not stdin:
        if operand.dynamic:
            out.unknown.append(f"{name} runs the script `{operand.value}`, known only when it runs")
        return  # a script file: what it does is not in the command line
    body = _stdin_text(node, source)
    if body is None:
        out.unknown.append(f"{name} runs commands from its input, which the command line does not show")
    else:
        shell_string(body, f"{name} <<")


def _stdin_text(node: Any, source: bytes) -> Word | None:
    """The literal text a heredoc or here-string feeds ``node``'s command; None when there is
    none or when it is not literal."""
    for r in node.children:
        if r.type == "herestring_redirect":
            named = [c for c in r.children if c.is_named]
            if not named:
                return None
            words = split_words(_masked(source, named[0].start_byte, r.end_byte, r), source[named[0].start_byte : r.end_byte])
            return words[0] if words and len(words) == 1 else Word("<here-string>", True, True)
    parent = node.parent
    if parent is not None and parent.type == "redirected_statement":
        for r in parent.children:
            if r.type == "heredoc_redirect":
                start = next((c for c in r.children if c.type == "heredoc_start"), None)
                body = next((c for c in r.children if c.type == "heredoc_body"), None)
                if body is None:
                    return Word("")
                text = _text(body)
                quoted = start is not None and any(q in _text(start) for q in "'\"\\")
                dynamic = not quoted and any(ch in text for ch in "$`\\")
                return Word(text, dynamic, dynamic)
    return None


def _find(args: list[Word], inner) -> None:
    """``find PATHS ... -exec CMD {} ;`` runs CMD; ``-delete`` is ``rm -r -f PATHS``."""
    i = 0
    while i < len(args) and (args[i].value in ("-H", "-L", "-P") or args[i].value.startswith(("-D", "-O"))):
        i += 2 if args[i].value == "-D" else 1
    paths = []
    while i < len(args) and not args[i].value.startswith(("-", "(", "!")):
        paths.append(args[i])
        i += 1
    while i < len(args):
        v = args[i].value
        if v in ("-exec", "-execdir", "-ok", "-okdir"):
            j = i + 1
            while j < len(args) and args[j].value not in (";", "+"):
                j += 1
            inner(list(args[i + 1 : j]), f"find {v}")
            i = j
        elif v == "-delete":
            inner([Word("rm"), Word("-r"), Word("-f"), *(paths or [Word(".")])], "find -delete")
        i += 1


_GIT_CODE_KEYS = re.compile(
    r"(alias\..*|core\.(pager|editor|sshcommand|fsmonitor|hookspath|gitproxy|askpass)|.*\.(command|helper|program|textconv|cmd|process|clean|smudge)"
    r"|(diff|merge)\.(external|tool)|sequence\.editor|pager\..*|include(if)?\..*|uploadpack\..*|receivepack\..*|url\..*|credential\..*|filter\..*)",
    re.I,
)


def _git(args: list[Word], out: Analysis, shell_string) -> None:
    """``git -c KEY=VALUE``: a key that names a program runs it (``alias.x=!rm -rf y``)."""
    for i, w in enumerate(args):
        if not w.value.startswith("-"):
            return  # the subcommand: its options are its own
        value = None
        if w.value in ("-c", "--config-env") and i + 1 < len(args):
            value = args[i + 1]
        elif w.value.startswith("-c") and len(w.value) > 2:
            value = Word(w.value[2:], w.dynamic, w.dynamic)
        elif w.value.startswith("--config-env="):
            value = Word(w.value.split("=", 1)[1], w.dynamic, w.dynamic)
        if value is None:
            continue
        key, _, setting = value.value.partition("=")
        if value.lead_dynamic or _GIT_CODE_KEYS.fullmatch(key):
            out.unknown.append(f"git -c {key} can run a program")
            if key.lower().startswith("alias.") and setting.startswith("!") and not value.dynamic:
                shell_string(Word(setting[1:]), "git alias")


def _env(args: list[Word], out: Analysis, inner) -> None:
    """``env [-i] [-u NAME] [-C DIR] [-S STRING] [NAME=VALUE]... CMD``."""
    i = 0
    while i < len(args):
        w = args[i]
        v = w.value
        if w.lead_dynamic:
            out.unknown.append(f"env gets `{v}`, known only when it runs")
            return
        if v in ("-S", "--split-string") or v.startswith("-S") or v.startswith("--split-string="):
            text = args[i + 1] if v in ("-S", "--split-string") and i + 1 < len(args) else Word(v.split("=", 1)[1] if "=" in v else v[2:], w.dynamic)
            if text.dynamic:
                out.unknown.append("env -S gets a string known only when it runs")
                return
            split = split_words(text.value) or []
            inner([*split, *args[i + (2 if v in ("-S", "--split-string") else 1):]], "env -S")
            return
        if v == "--":
            i += 1
            break
        if v in ("-u", "--unset", "-C", "--chdir", "-P"):
            i += 2
            continue
        if v.startswith("-") and v != "-":
            i += 1
            continue
        if re.fullmatch(r"[^=\s]+=.*", v, re.S):
            i += 1
            continue
        break
    inner(list(args[i:]), "env")


# -- one program's flags, spelled one way ---------------------------------------------


@dataclass(frozen=True)
class _Flags:
    """How a program spells its flags: long options and short aliases mapped to canonical short
    flags, the options that take a value, and subcommands (``git push``) with their own."""

    long: dict[str, tuple[str, ...]] = field(default_factory=dict)
    short: dict[str, tuple[str, ...]] = field(default_factory=dict)
    takes_value: frozenset[str] = frozenset()
    sub: dict[str, _Flags] = field(default_factory=dict)

    def spellings(self, canonical: str) -> tuple[str, ...]:
        """``-f`` and every option that means it (``--force``)."""
        return (canonical, *(k for k, v in {**self.long, **self.short}.items() if v == (canonical,)))


_RECURSIVE_R = _Flags(long={"--recursive": ("-R",)})
_FLAG_TABLE: dict[str, _Flags] = {
    "rm": _Flags(long={"--recursive": ("-r",), "--force": ("-f",), "--dir": ("-d",), "--verbose": ("-v",)},
                 short={"-R": ("-r",)}),
    "cp": _Flags(long={"--recursive": ("-r",), "--force": ("-f",)}, short={"-R": ("-r",)},
                 takes_value=frozenset({"-t", "--target-directory", "-S", "--suffix"})),
    "mv": _Flags(long={"--force": ("-f",)}, takes_value=frozenset({"-t", "--target-directory", "-S", "--suffix"})),
    "chmod": _RECURSIVE_R,
    "chown": _RECURSIVE_R,
    "chgrp": _RECURSIVE_R,
    "git": _Flags(
        takes_value=frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env", "--super-prefix"}),
        sub={
            "push": _Flags(long={"--force": ("-f",), "--delete": ("-d",)},
                           takes_value=frozenset({"-o", "--push-option", "--repo", "--receive-pack", "--exec"})),
            "clean": _Flags(long={"--force": ("-f",), "--dry-run": ("-n",)}, takes_value=frozenset({"-e", "--exclude"})),
            "branch": _Flags(long={"--delete": ("-d",), "--force": ("-f",)},
                             short={"-D": ("-d", "-f"), "-M": ("-m", "-f"), "-C": ("-c", "-f")}),
            "checkout": _Flags(long={"--force": ("-f",)}, takes_value=frozenset({"-b", "-B"})),
            "commit": _Flags(takes_value=frozenset({"-m", "-F", "-C", "-c", "--author", "--message", "--file"})),
            "reset": _Flags(),
        },
    ),
}
_GLOB = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class Shape:
    """A program's argv in one spelling: its name, its flags (each with every spelling that means
    it, canonical first: ``rm -fr`` and ``rm --recursive --force`` both have ``-f`` and ``-r``),
    its other words in order, and whether a word may turn into flags when it runs."""

    name: str
    flags: tuple[tuple[str, ...], ...]
    positional: tuple[str, ...]
    dynamic: bool = False


def shape(argv: tuple[Word, ...] | list[Word], pattern: bool = False) -> Shape:
    """The :class:`Shape` of ``argv``; ``pattern``: argv of a rule, whose globs stay whole."""
    name = program_name(argv[0].value) if argv else ""
    spec = _FLAG_TABLE.get(name, _Flags())
    flags: list[tuple[str, ...]] = []
    positional: list[str] = []
    dynamic, options_end, i = False, False, 1
    while i < len(argv):
        w = argv[i]
        v = w.value
        i += 1
        if w.lead_dynamic and not options_end:
            dynamic = True
        if options_end or w.dynamic or not v.startswith("-") or v == "-":
            positional.append(v)
            if name == "git" and len(positional) == 1 and v in spec.sub:
                spec = spec.sub[v]
            elif name == "git" and positional[:1] == ["push"] and v.startswith("+"):
                flags.append(spec.spellings("-f") + (v,))
            continue
        if v == "--":
            options_end = True
            continue
        if pattern and _GLOB.search(v):
            flags.append((v,))
            continue
        if v.startswith("--"):
            key = v.split("=", 1)[0]
            for canonical in spec.long.get(key, (key,)):
                flags.append((*spec.spellings(canonical), v) if canonical != key else (key,))
            if "=" not in v and key in spec.takes_value:
                i += 1
            continue
        for j, ch in enumerate(v[1:], start=1):
            short = "-" + ch
            for canonical in spec.short.get(short, (short,)):
                flags.append(spec.spellings(canonical) + ((short,) if canonical != short else ()))
            if short in spec.takes_value:
                i += 0 if v[j + 1 :] else 1  # the value: the rest of the cluster, or the next word
                break
    return Shape(name, tuple(flags), tuple(positional), dynamic)


@lru_cache(maxsize=512)
def pattern_shape(pattern: str) -> tuple[Shape, bool] | None:
    """A rule pattern (``rm -rf *``) as a :class:`Shape`, and whether it ends with ``*`` (then it
    covers any words after its own); None when it does not split into words."""
    words = split_words(pattern, globs_literal=True)
    if not words:
        return None
    prefix = pattern.rstrip().endswith("*")
    s = shape(words, pattern=True)
    positional = s.positional
    while prefix and positional and positional[-1] == "*":
        positional = positional[:-1]
    return Shape(s.name, s.flags, positional), prefix


def shape_covers(pattern: str, argv: tuple[Word, ...]) -> str | None:
    """Whether the rule pattern covers the program run ``argv``, whatever flag spelling and order:
    ``"yes"``, ``"maybe"`` (a word known only when it runs could make it so), or None."""
    from fnmatch import fnmatchcase

    parsed = pattern_shape(pattern)
    if parsed is None or not argv:
        return None
    want, prefix = parsed
    have = shape(argv)
    if not fnmatchcase(have.name, want.name):
        return None
    flags_ok = all(any(fnmatchcase(s, f[0]) for g in have.flags for s in g) for f in want.flags)
    n = len(want.positional)
    words_ok = (len(have.positional) >= n if prefix else len(have.positional) == n) and all(
        fnmatchcase(h, w) for h, w in zip(have.positional, want.positional)
    )
    if flags_ok and words_ok:
        return "yes"
    return "maybe" if have.dynamic else None
