"""Custom slash commands: Markdown files in the project's ``.limi/commands/`` and the user's
``$XDG_CONFIG_HOME/limi-cli/commands/`` become ``/NAME`` commands (``review.md`` is ``/review``,
``git/log.md`` is ``/git:log``; a project's file hides the user's of the same name).

The file is a prompt template. Its optional YAML front matter:

- ``description``: what ``/help`` and the ``/`` menu say about it;
- ``argument-hint``: how its arguments are written (``[file] [focus]``);
- ``allowed-tools``: tools the command's turn may use without asking, as Claude Code writes
  them (``Bash(git diff:*)``, ``Read``) or as limi-cli rules (``shell: git diff*``, ``read_file``);
  they become allow rules for that turn and for the command's ``!`` lines, never lifting a
  deny rule or a refusal of the approval mode;
- ``model``: the model that answers the command's turn.

In the body, ``$ARGUMENTS`` is what follows the command and ``$1`` .. ``$9`` its words (quoted
words count as one); with neither, the arguments are added at the end. A line that starts with
``!`` (and ``!`cmd``` anywhere in a line, as Claude Code writes it) runs a shell command and is
replaced by its output, for context. It runs through the session's shell tool (its sandbox),
with a timeout and the output cap of tool results, and only when the approval mode, the
rules or ``allowed-tools`` let the command run without asking; otherwise the line says it was
not run and the person gets one line saying why. The arguments reach it as the shell
variables ``$ARGUMENTS`` and ``$1`` .. ``$9``, quoted, never pasted into the command's text.

A project comes with the workspace, which is not trusted: its commands are prompt text until
the person accepts each file (``limi-cli trust``, which remembers its sha256, as for the project
config; a changed file is untrusted again). Until then their ``!`` lines do not run and their
``allowed-tools`` and ``model`` are ignored, with a notice. The user's own commands are trusted.

What the model gets is an ordinary user message, logged with a ``command`` record (name, path,
sha256, arguments): the log and the exported row hold it exactly as the model read it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shlex
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from agent.front_matter import FrontMatterError, parse_document, text_field
from agent.instructions import display_path
from agent.messages import ToolCall
from agent.policy import ApprovalRules, HeadlessApprover, Rule
from agent.tools.base import ToolContext, ToolError
from agent.tools.safe_open import open_read
from agent.tools.workspace import OutsideWorkspace, Workspace

PROJECT_DIR = Path(".limi") / "commands"
MAX_FILE_BYTES = 256 * 1024
DEFAULT_TIMEOUT_S = 30.0
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*(:[a-z0-9][a-z0-9_.-]*)*$")
Scope = Literal["user", "project"]

# a line that is a command: "!git status" or "!`git status`" (not a Markdown image "![...]" or "!!")
_BANG_LINE = re.compile(r"^\s*!(?![\[!])\s*(?P<cmd>\S.*?)\s*$")
_BANG_INLINE = re.compile(r"!`(?P<cmd>[^`\n]+)`")
_POSITIONAL = re.compile(r"\$([1-9])(?![0-9])")
# Claude Code's tool names, as allowed-tools may give them
_CLAUDE_TOOLS = {
    "bash": "shell", "read": "read_file", "write": "write_file", "edit": "edit", "multiedit": "multi_edit",
    "grep": "grep", "glob": "glob", "ls": "list_files", "webfetch": "web_fetch", "websearch": "web_search",
    "todowrite": "todo", "todoread": "todo",
}


def user_commands_dir() -> Path:
    from agent.config import user_config_path

    return user_config_path().parent / "commands"


@dataclass(frozen=True)
class CustomCommand:
    name: str
    path: Path
    shown_as: str  # the path as messages and the log name it
    scope: Scope
    description: str
    argument_hint: str
    allowed_tools: tuple[str, ...]
    model: str | None
    body: str
    body_line: int  # the line of the file the body starts on
    sha256: str
    trusted: bool  # the user's own, or a project file the person accepted

    def powers(self) -> list[str]:
        """What the command asks for beyond prompt text (what trust decides)."""
        found = []
        if _has_bang(self.body):
            found.append("its ! lines")
        if self.allowed_tools:
            found.append("allowed-tools")
        if self.model:
            found.append("model")
        return found

    def allow_rules(self) -> ApprovalRules | None:
        """``allowed-tools`` as allow rules (None when there are none, or the command is not trusted)."""
        if not self.allowed_tools or not self.trusted:
            return None
        return ApprovalRules(allow=[allow_rule(entry) for entry in self.allowed_tools])

    def help(self) -> str:
        return self.description or f"custom command ({self.shown_as})"


@dataclass
class CommandSet:
    """The custom commands found, by name, and the problems met (one line each, naming the file)."""

    commands: dict[str, CustomCommand] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # a command's name (or a file) -> what is wrong
    notices: list[str] = field(default_factory=list)  # untrusted project commands whose powers are ignored

    def get(self, name: str) -> CustomCommand | None:
        return self.commands.get(name)


def allow_rule(entry: str) -> Rule:
    """One ``allowed-tools`` entry as a rule: ``Bash(git diff:*)`` -> ``shell: git diff*``,
    ``Read`` -> ``read_file: *``, ``shell: make test`` as written."""
    entry = entry.strip()
    m = re.match(r"^([\w.-]+)\s*\((.*)\)$", entry)
    if m:
        tool, pattern = m.group(1), m.group(2).strip() or "*"
        if pattern.endswith(":*"):  # Claude Code's prefix form
            pattern = pattern[:-2].rstrip() + "*"
    elif ":" in entry:
        rule = Rule.parse(entry)
        tool, pattern = rule.tool, rule.pattern
    else:
        tool, pattern = entry, "*"
    return Rule(_CLAUDE_TOOLS.get(tool.lower(), tool), pattern)


# -- finding the commands ---------------------------------------------------------------


def load_commands(workspace: Path, user_dir: Path | None = None, trust_store: Path | None = None,
                  reserved: frozenset[str] | set[str] = frozenset(),
                  scopes: tuple[Scope, ...] = ("user", "project")) -> CommandSet:
    """The custom commands of ``workspace`` and of the user (``user_dir``, default the user
    config's ``commands/``). Names in ``reserved`` (the built-in commands) are left out with a problem."""
    found = CommandSet()
    root = Path(workspace).resolve()
    user = (user_dir if user_dir is not None else user_commands_dir()).resolve()
    for scope, base in (("user", user), ("project", root / PROJECT_DIR)):
        if scope not in scopes:
            continue
        for path in _command_files(base, root if scope == "project" else None):
            command = _load_one(path, base, scope, root, trust_store, found)  # type: ignore[arg-type]
            if command is None:
                continue
            if command.name in reserved:
                found.problems[command.name] = (f"{command.shown_as}: /{command.name} is a built-in command; "
                                                "rename the file to use it")
                continue
            found.commands[command.name] = command  # the project's after the user's: it wins
            found.problems.pop(command.name, None)
    found.commands = dict(sorted(found.commands.items()))
    return found


def project_command_files(workspace: Path) -> list[Path]:
    """The project's command files (what ``limi-cli trust`` accepts)."""
    root = Path(workspace).resolve()
    return _command_files(root / PROJECT_DIR, root)


def _command_files(base: Path, workspace: Path | None) -> list[Path]:
    try:
        if workspace is not None:  # a project's: the folder itself must be inside the workspace
            Workspace(workspace).resolve(base)
        if not base.is_dir():
            return []
    except (OSError, OutsideWorkspace):
        return []
    files = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        files += [Path(dirpath) / n for n in sorted(filenames) if n.endswith(".md") and not n.startswith(".")]
    return files


def _load_one(path: Path, base: Path, scope: Scope, root: Path, trust_store: Path | None,
              found: CommandSet) -> CustomCommand | None:
    rel = path.relative_to(base)
    name = ":".join(rel.with_suffix("").parts).lower()
    shown = str(path.relative_to(root)) if scope == "project" else display_path(path)
    if not NAME_RE.match(name):
        found.problems[str(rel)] = (f"{shown}: {name!r} is not a command name (letters, digits, '-', '_', '.'); "
                                    "rename the file")
        return None
    try:
        with (open_read(Workspace(root), path) if scope == "project" else open(path, "rb")) as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except (OSError, OutsideWorkspace, ToolError) as e:
        found.problems[name] = f"{shown}: cannot read it ({_why(e)}); /{name} is left out"
        return None
    if len(raw) > MAX_FILE_BYTES:
        found.problems[name] = f"{shown}: over {MAX_FILE_BYTES // 1024} KiB; /{name} is left out (make it shorter)"
        return None
    try:
        doc = parse_document(raw.decode("utf-8", errors="replace"))
        description = text_field(doc.meta, "description") or ""
        hint = _hint(doc.meta.get("argument-hint"))
        allowed = _tool_list(doc.meta.get("allowed-tools"))
        model = text_field(doc.meta, "model")
    except FrontMatterError as e:
        found.problems[name] = f"{shown}:{e.line}: {e.message}; /{name} is left out"
        return None
    from agent.config import is_trusted_or_false  # agent.config reads this module's trust settings

    trusted = scope == "user" or is_trusted_or_false(path, raw, trust_store)
    command = CustomCommand(name, path, shown, scope, description, hint, allowed, model, doc.body, doc.body_line,
                            hashlib.sha256(raw).hexdigest(), trusted)
    if not trusted and (powers := command.powers()):
        found.notices.append(
            f"{shown}: {_and(powers)} {'are' if len(powers) > 1 or powers[0].endswith('lines') else 'is'} ignored: "
            "this project's commands are not trusted; review the file, then run `limi-cli trust`")
    return command



def _hint(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):  # `argument-hint: [file]` is a YAML list
        return " ".join(f"[{v}]" for v in value)
    if isinstance(value, dict):
        raise FrontMatterError(2, "'argument-hint' must be text, e.g. argument-hint: \"[file] [focus]\"")
    return " ".join(str(value).split())


def _tool_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(t.strip() for t in _split_tools(value) if t.strip())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v.strip() for v in value if v.strip())
    raise FrontMatterError(2, "'allowed-tools' must be a list of tools, e.g. allowed-tools: Bash(git diff:*), Read")


def _split_tools(text: str) -> list[str]:
    """``Bash(git add:*), Read`` -> the entries (commas inside parentheses stay)."""
    out, depth, current = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            out.append(current)
            current = ""
            continue
        depth += (ch == "(") - (ch == ")")
        current += ch
    return [*out, current]


# -- expanding a command ---------------------------------------------------------------


@dataclass(frozen=True)
class BangResult:
    """What became of one ``!`` line: the text that replaces it (its output, or why it did not
    run), a line for the person (None: nothing to say), and whether it ran."""

    text: str
    note: str | None = None
    ran: bool = True


Runner = Callable[[str, str, int], BangResult]  # (command, shell prefix setting the arguments, line) -> result


@dataclass
class Expansion:
    """A command made into the user message the model gets."""

    command: CustomCommand
    arguments: str
    text: str
    notes: list[str] = field(default_factory=list)  # for the person, one line each
    ran: list[str] = field(default_factory=list)  # the ! commands that ran

    def record(self) -> dict[str, Any]:
        """The ``command`` the user message is logged with."""
        out: dict[str, Any] = {"name": self.command.name, "path": self.command.shown_as, "scope": self.command.scope,
                               "sha256": self.command.sha256, "arguments": self.arguments, "trusted": self.command.trusted}
        if self.ran:
            out["ran"] = list(self.ran)
        return out


def expand(command: CustomCommand, arguments: str, run: Runner | None = None) -> Expansion:
    """``command`` with ``arguments`` substituted and its ``!`` lines replaced (by ``run``; None:
    none runs, each is noted as not run)."""
    arguments = arguments.strip()
    words = _words(arguments)
    used = "$ARGUMENTS" in command.body or bool(_POSITIONAL.search(command.body))
    prefix = f"ARGUMENTS={shlex.quote(arguments)}; set -- {' '.join(shlex.quote(w) for w in words)}; "
    result = Expansion(command, arguments, "")

    def subst(text: str) -> str:
        text = text.replace("$ARGUMENTS", arguments)
        return _POSITIONAL.sub(lambda m: words[int(m.group(1)) - 1] if int(m.group(1)) <= len(words) else "", text)

    def bang(cmd: str, line: int, whole: bool) -> str:
        if run is None:
            outcome = BangResult(f"[not run: `{cmd}`]", f"{command.shown_as}:{line}: `{cmd}` was not run", ran=False)
        else:
            outcome = run(cmd, prefix if "$" in cmd else "", line)
        if outcome.note:
            result.notes.append(outcome.note)
        if outcome.ran:
            result.ran.append(cmd)
        if whole and outcome.ran:
            return f"```console\n$ {cmd}\n{outcome.text.rstrip()}\n```"
        return outcome.text.rstrip()

    out = []
    for i, line in enumerate(command.body.split("\n")):
        lineno = command.body_line + i
        m = _BANG_LINE.match(line)
        if m:
            cmd = m.group("cmd")
            if len(cmd) > 1 and cmd.startswith("`") and cmd.endswith("`") and "`" not in cmd[1:-1]:
                cmd = cmd[1:-1].strip()
            out.append(bang(cmd, lineno, whole=True))
            continue
        pieces, last = [], 0
        for m in _BANG_INLINE.finditer(line):
            pieces += [subst(line[last:m.start()]), bang(m.group("cmd").strip(), lineno, whole=False)]
            last = m.end()
        pieces.append(subst(line[last:]))
        out.append("".join(pieces))
    text = "\n".join(out).strip()
    if arguments and not used:
        text = f"{text}\n\nARGUMENTS: {arguments}" if text else arguments
    result.text = text
    return result


def session_runner(session, command: CustomCommand, *, timeout_s: float = DEFAULT_TIMEOUT_S,
                   cancel: threading.Event | None = None) -> Runner:
    """Runs a command's ``!`` lines for ``session``: through its shell tool (its sandbox), only
    when its policy (with the command's ``allowed-tools``) lets the command run without asking,
    killed after ``timeout_s``, output cut to the session's cap for tool results."""
    from agent.tools.shell import ShellTool

    tool = session.tools.get("shell")
    rules = command.allow_rules()
    policy = dataclasses.replace(session.policy, approver=HeadlessApprover(),
                                 allowed_for_session=set(session.policy.allowed_for_session),
                                 rules=session.policy.rules.merged(rules) if rules else session.policy.rules)

    def run(cmd: str, prefix: str, line: int) -> BangResult:
        where = f"{command.shown_as}:{line}"
        if not command.trusted:
            return BangResult(f"[not run: `{cmd}` (this project's commands are not trusted)]",
                              f"{where}: `{cmd}` not run: this project's commands are not trusted; review the file, "
                              "then run `limi-cli trust`", ran=False)
        if not isinstance(tool, ShellTool):
            return BangResult(f"[not run: `{cmd}` (no shell tool)]", f"{where}: `{cmd}` not run: this session has no shell tool",
                              ran=False)
        call = ToolCall(id="command", name="shell", arguments={"command": cmd})
        verdict = policy.verdict(tool, call, f"shell: {cmd}")
        if verdict != "allow":
            ruled, rule = policy.rules.judge(tool, call, f"shell: {cmd}")
            why = (f"{rule} forbids it" if ruled == "deny" else f"{rule} asks first" if ruled == "ask"
                   else f"{policy.mode} mode does not run commands" if verdict == "deny"
                   else f"{policy.mode} mode asks before running commands")
            return BangResult(f"[not run: `{cmd}` (not allowed without asking)]",
                              f"{where}: `{cmd}` not run: {why}; allow it in the front matter (allowed-tools: "
                              f"Bash({cmd})), with an allow rule, or in yolo mode", ran=False)
        ctx = ToolContext(workspace=session.workspace, cancel=cancel or threading.Event(), shell_timeout_s=timeout_s,
                          max_output_chars=session.ctx.max_output_chars)
        try:
            obs = tool.run(ShellTool.Params(command=prefix + cmd), ctx)
        except ToolError as e:
            return BangResult(f"[`{cmd}` failed: {e}]", f"{where}: `{cmd}` failed: {e}", ran=False)
        finally:
            tool.close(ctx)
        if obs.error_kind == "timeout":
            return BangResult(obs.output, f"{where}: `{cmd}` timed out after {timeout_s:g} s and was killed; "
                                          "its output so far is in the prompt")
        if obs.error_kind == "interrupted":
            return BangResult(obs.output, f"{where}: `{cmd}` was interrupted")
        note = f"{where}: the output of `{cmd}` was cut to {ctx.max_output_chars:,} characters" if obs.truncated else None
        return BangResult(obs.output, note)

    return run


# -- the turn a command starts -----------------------------------------------------------


@dataclass
class PromptTurn:
    """A turn started by a command: ``text`` is the user message, logged with ``command``; for
    the turn only, ``rules`` are added to the session's and ``backend`` answers."""

    text: str
    command: dict[str, Any] | None = None
    rules: ApprovalRules | None = None
    backend: Any = None

    def events(self, session) -> Iterator:
        """The turn's events (:meth:`Session.send`), the session as it was afterwards."""
        rules, backend = session.policy.rules, session.backend
        try:
            if self.rules is not None:
                session.policy.rules = rules.merged(self.rules)
            if self.backend is not None:
                session.backend = self.backend
            yield from session.send(self.text, command=self.command)
        finally:
            session.policy.rules, session.backend = rules, backend


def command_turn(command: CustomCommand, arguments: str, session, *, timeout_s: float = DEFAULT_TIMEOUT_S,
                 backend_for: Callable[[str], Any] | None = None) -> tuple[PromptTurn | None, list[str]]:
    """Expand ``command`` for ``session`` and make its turn; the notes for the person. The
    turn is None when the command's model cannot be had (``backend_for`` raised: the note says why)."""
    expansion = expand(command, arguments, session_runner(session, command, timeout_s=timeout_s))
    notes = list(expansion.notes)
    record = expansion.record()
    backend = None
    if command.model and command.trusted:
        if backend_for is None:
            notes.append(f"{command.shown_as}: model {command.model!r} is ignored here; the session's model answers")
        else:
            try:
                backend = backend_for(command.model)
            except Exception as e:  # a model that does not load: say it, send nothing
                notes.append(f"{command.shown_as}: model {command.model!r} cannot be used: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
                return None, notes
            record["model"] = getattr(backend, "model", command.model)
    rules = command.allow_rules()
    if rules is not None:
        record["allowed_tools"] = [str(r) for r in rules.allow]
    return PromptTurn(expansion.text, record, rules, backend), notes


# -- helpers ---------------------------------------------------------------------------


def _has_bang(body: str) -> bool:
    return any(_BANG_LINE.match(line) or _BANG_INLINE.search(line) for line in body.split("\n"))


def _words(arguments: str) -> list[str]:
    try:
        return shlex.split(arguments)
    except ValueError:  # an unclosed quote: plain words
        return arguments.split()


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _why(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return e.strerror.lower()
    return str(e).splitlines()[0] if str(e) else type(e).__name__
