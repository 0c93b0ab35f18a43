"""Every git command limi-cli runs goes through here: git is data, never code.

The workspace is not trusted, and that includes its git configuration: ``.git/config``,
``.git/config.worktree``, any file they pull in with ``include.path`` / ``includeIf``, the
``.gitattributes`` files in the tree and ``.git/hooks``. Several git settings name a
command that git runs (an fsmonitor hook, a clean/smudge filter, a textconv, a pager...),
so a plain ``git status`` in a hostile repository runs whatever the repository asks for,
outside any sandbox. limi-cli's own git commands (the session log's git state, the git
tools, checkpoints, evaluation workspaces) are therefore run with:

The environment
    limi-cli's own environment with **every** ``GIT_*`` variable removed (GIT_DIR,
    GIT_WORK_TREE, GIT_INDEX_FILE, GIT_CONFIG_PARAMETERS, GIT_CONFIG_COUNT/KEY_n/VALUE_n,
    GIT_CONFIG_GLOBAL, GIT_EXTERNAL_DIFF, GIT_SSH, GIT_SSH_COMMAND, GIT_EDITOR, GIT_PAGER,
    GIT_ASKPASS, GIT_EXEC_PATH, GIT_TRACE*, ...), then only these set:
    ``GIT_CONFIG_NOSYSTEM=1``, ``GIT_ATTR_NOSYSTEM=1``, ``GIT_TERMINAL_PROMPT=0``,
    ``GIT_NO_LAZY_FETCH=1``, ``GIT_ALLOW_PROTOCOL=none`` and ``GIT_PROTOCOL_FROM_USER=0``
    (no transport at all: a partial clone cannot fetch a missing object through a
    remote the repository defines), ``GIT_OPTIONAL_LOCKS=0`` for read-only commands,
    ``LC_ALL=C``/``LANGUAGE=C`` (messages in English), and the dynamic overrides below as
    ``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n``. The user's global
    config (``~/.gitconfig``) is trusted and still read, except by checkpoints, which
    set ``GIT_CONFIG_GLOBAL=/dev/null``.

Fixed overrides (``git --no-pager -c ...``; command-line config beats every file)
    core.fsmonitor=false, core.hooksPath=/dev/null (no hook runs, ``.git/hooks`` included),
    core.pager=cat, core.editor=: and sequence.editor=: (git's no-op editor),
    core.askPass= , core.sshCommand=ssh, credential.helper= (empty: clears the list),
    diff.external= , diff.ignoreSubmodules=dirty, status.submoduleSummary=false,
    submodule.recurse=false (git never runs a command inside a submodule, whose own
    config is not scanned), core.alternateRefsCommand= , core.alternateRefsPrefixes= ,
    gpg.program=false, gpg.openpgp.program=false, gpg.x509.program=false,
    gpg.ssh.program=false, gpg.ssh.defaultKeyCommand= , commit.gpgSign=false,
    tag.gpgSign=false, log.showSignature=false, protocol.allow=never and
    protocol.{file,git,ssh,http,https,ext}.allow=never, gc.auto=0, maintenance.auto=false,
    color.ui=false.

Dynamic overrides (keys with a name chosen by the repository)
    Before each command, the configuration git will see is listed with
    ``git config --list --show-scope -z`` (which runs nothing; includes are followed), and
    every key defined by the repository (any scope but ``global``/``system``/``command``)
    among these is overridden:
    ``filter.<driver>.clean``/``.smudge``/``.process`` = empty (git then does not filter)
    and ``filter.<driver>.required=false``; ``diff.<driver>.textconv``/``.command`` =
    empty; ``merge.<driver>.driver`` = empty; ``credential.<url>.helper`` = empty;
    ``remote.<name>.uploadpack``/``.receivepack`` = the git defaults;
    ``remote.<name>.vcs`` = empty; ``protocol.<name>.allow=never``;
    ``trailer.<token>.command``/``.cmd`` = empty; ``hook.<name>.command`` = empty;
    ``pager.<command>=false``; ``gpg.<format>.program=false``.
    Drivers that only the user's global config defines (git-lfs, say) keep working.

Per command
    ``diff``, ``show`` and ``log`` get ``--no-ext-diff --no-textconv`` (``NO_EXT_DIFF``;
    the callers add it), ``status`` and ``diff`` ``--ignore-submodules=dirty``.

What it costs: changes inside a submodule's work tree are not reported (a moved submodule
commit is); the repository's own hooks (pre-commit linters too) do not run on
``git_commit``, whose commits are not signed; one extra ``git config --list`` per command.

Network mode (``network=True``: only evaluation's ``git clone`` of the task's repository,
a URL from the user's task file, run outside the workspace): ``GIT_*`` variables are
still scrubbed and the fixed overrides still apply, but transports, the system config,
``credential.helper``, ``core.sshCommand`` and ``core.askPass`` are left as the user set them.

Not covered: a process left running in the workspace that rewrites ``.git/config``
between the listing and the command (a race of a few milliseconds); ``core.worktree``
and ``.git`` files pointing elsewhere (git then reads and writes another directory,
which is data, not code); ``alias.*`` (never used: limi-cli only runs built-in commands).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Mapping, Sequence

FIXED_SETTINGS: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", os.devnull),
    ("core.pager", "cat"),
    ("core.editor", ":"),
    ("sequence.editor", ":"),
    ("core.askPass", ""),
    ("core.sshCommand", "ssh"),
    ("credential.helper", ""),
    ("diff.external", ""),
    ("diff.ignoreSubmodules", "dirty"),
    ("status.submoduleSummary", "false"),
    ("submodule.recurse", "false"),
    ("core.alternateRefsCommand", ""),
    ("core.alternateRefsPrefixes", ""),
    ("gpg.program", "false"),
    ("gpg.openpgp.program", "false"),
    ("gpg.x509.program", "false"),
    ("gpg.ssh.program", "false"),
    ("gpg.ssh.defaultKeyCommand", ""),
    ("commit.gpgSign", "false"),
    ("tag.gpgSign", "false"),
    ("log.showSignature", "false"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
    ("color.ui", "false"),
)
_NO_TRANSPORT: tuple[tuple[str, str], ...] = (("protocol.allow", "never"),) + tuple(
    (f"protocol.{p}.allow", "never") for p in ("file", "git", "ssh", "http", "https", "ext"))

# (pattern of a key the repository may define, value that neutralises it); keys are as
# `git config --list` prints them: section and name lower-cased, the subsection as written.
_DYNAMIC: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"filter\..+\.(clean|smudge|process)"), ""),
    (re.compile(r"diff\..+\.(textconv|command)"), ""),
    (re.compile(r"merge\..+\.driver"), ""),
    (re.compile(r"credential\..+\.helper"), ""),
    (re.compile(r"remote\..+\.uploadpack"), "git-upload-pack"),
    (re.compile(r"remote\..+\.receivepack"), "git-receive-pack"),
    (re.compile(r"remote\..+\.vcs"), ""),
    (re.compile(r"protocol\..+\.allow"), "never"),
    (re.compile(r"trailer\..+\.(command|cmd)"), ""),
    (re.compile(r"hook\..+\.command"), ""),
    (re.compile(r"pager\..+"), "false"),
    (re.compile(r"gpg\..+\.program"), "false"),
)
_TRUSTED_SCOPES = {"global", "system", "command"}

NO_EXT_DIFF = ("--no-ext-diff", "--no-textconv")  # for diff, show, log -p


class GitError(Exception):
    """A git command failed; ``why`` is git's own one-line reason."""

    def __init__(self, args: Sequence[str], returncode: int | None, stderr: str, why: str | None = None):
        self.git_args = list(args)
        self.returncode = returncode
        self.stderr = stderr
        self.why = why or _reason(stderr, returncode)
        super().__init__(f"git {self.git_args[0] if self.git_args else ''} failed: {self.why}")


def _reason(stderr: str, returncode: int | None) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    return next((ln for ln in lines if ln.startswith(("fatal:", "error:"))), lines[0] if lines else f"exit {returncode}")


def scrubbed_env(*, read_only: bool = False, network: bool = False, global_config: bool = True,
                 extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """limi-cli's environment without any ``GIT_*`` variable, plus the safe ones (see the
    module docstring). ``extra`` is set last (checkpoints: their index file and identity)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_TERMINAL_PROMPT="0", LC_ALL="C", LANGUAGE="C")
    if not network:
        env.update(GIT_CONFIG_NOSYSTEM="1", GIT_ATTR_NOSYSTEM="1", GIT_NO_LAZY_FETCH="1",
                   GIT_ALLOW_PROTOCOL="none", GIT_PROTOCOL_FROM_USER="0")
    if read_only:
        env["GIT_OPTIONAL_LOCKS"] = "0"
    if not global_config:
        env["GIT_CONFIG_GLOBAL"] = os.devnull
    env.update(extra or {})
    return env


def base_argv(settings: Sequence[str] = (), *, network: bool = False) -> list[str]:
    """``git --no-pager -c ...`` with the fixed overrides, then ``settings`` (``key=value``)."""
    argv = ["git", "--no-pager"]
    pairs = FIXED_SETTINGS if network else FIXED_SETTINGS + _NO_TRANSPORT
    if network:  # a clone of a trusted URL: the user's credential helper and ssh setup apply
        pairs = tuple(p for p in pairs if p[0] not in ("credential.helper", "core.sshCommand", "core.askPass"))
    for key, value in pairs:
        argv += ["-c", f"{key}={value}"]
    for setting in settings:
        argv += ["-c", setting]
    return argv


def repo_overrides(cwd: str | os.PathLike[str], argv: Sequence[str], env: Mapping[str, str],
                   timeout: float | None = 30) -> list[tuple[str, str]]:
    """The dynamic overrides for the repository git finds from ``cwd``: every command-naming
    key that the repository's own config (and what it includes) defines, neutralised.
    ``git config --list`` only reads files; it runs no driver, hook or pager."""
    try:
        proc = subprocess.run([*argv, "config", "--list", "--show-scope", "-z"], cwd=cwd, env=dict(env),
                              capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout)
    except FileNotFoundError as e:
        raise GitError(["config"], None, "", _missing(e, cwd)) from None
    except subprocess.TimeoutExpired:
        raise GitError(["config"], None, "", f"reading the git config timed out after {timeout:g} s") from None
    if proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", "replace")
        if not stderr.strip() and not proc.stdout:  # no config file at all
            return []
        raise GitError(["config"], proc.returncode, stderr)
    fields = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for scope, entry in zip(fields[0::2], fields[1::2]):
        if scope in _TRUSTED_SCOPES:
            continue
        key = entry.split("\n", 1)[0]
        if key in seen:
            continue
        for pattern, value in _DYNAMIC:
            if pattern.fullmatch(key):
                seen.add(key)
                out.append((key, value))
                if key.startswith("filter."):
                    required = key.rsplit(".", 1)[0] + ".required"
                    if required not in seen:
                        seen.add(required)
                        out.append((required, "false"))
                break
    return out


def _missing(e: FileNotFoundError, cwd: str | os.PathLike[str]) -> str:
    if not Path(cwd).is_dir():
        return f"{cwd} is not a directory"
    return "git is not installed (or not on PATH); install git to use this"


def git_command(cwd: str | os.PathLike[str], *, read_only: bool = False, scan_config: bool = True,
                global_config: bool = True, network: bool = False, settings: Sequence[str] = (),
                extra_env: Mapping[str, str] | None = None) -> tuple[list[str], dict[str, str]]:
    """The argv prefix (``git --no-pager -c ...``) and environment for a git command run in
    ``cwd``. ``scan_config``: also neutralise the command-naming keys the repository found
    from ``cwd`` defines (off only where limi-cli wrote the git dir's config itself)."""
    argv = base_argv(settings, network=network)
    env = scrubbed_env(read_only=read_only, network=network, global_config=global_config, extra=extra_env)
    if scan_config:
        overrides = repo_overrides(cwd, argv, env)
        if overrides:
            env["GIT_CONFIG_COUNT"] = str(len(overrides))
            for i, (key, value) in enumerate(overrides):
                env[f"GIT_CONFIG_KEY_{i}"] = key
                env[f"GIT_CONFIG_VALUE_{i}"] = value
    return argv, env


def run_git(args: Sequence[str], cwd: str | os.PathLike[str], *, check: bool = True, timeout: float | None = None,
            errors: str = "replace", strip_newline: bool = False, **options) -> str:
    """Run ``git args`` in ``cwd`` safely (see :func:`git_command` for ``options``); return
    its standard output. A failure (``check``), a timeout or a missing git is a :class:`GitError`."""
    argv, env = git_command(cwd, **options)
    try:
        proc = subprocess.run([*argv, *args], cwd=cwd, env=env, capture_output=True, stdin=subprocess.DEVNULL,
                              timeout=timeout)
    except FileNotFoundError as e:
        raise GitError(args, None, "", _missing(e, cwd)) from None
    except subprocess.TimeoutExpired:
        raise GitError(args, None, "", f"timed out after {timeout:g} s") from None
    out = proc.stdout.decode("utf-8", errors)
    if check and proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", "replace")
        # some refusals (`git commit` with nothing to commit) are told on stdout only
        why = None if stderr.strip() else next((ln.strip() for ln in reversed(out.splitlines()) if ln.strip()), None)
        raise GitError(args, proc.returncode, stderr, why)
    if strip_newline and out.endswith("\n"):
        out = out[:-1]
    return out
