"""Checkpoints: the workspace snapshotted before each mutating tool call, and undo.

Snapshots go to a shadow git store in the user cache dir
(``$XDG_CACHE_HOME/limi-cli/checkpoints/<workspace>-<hash>.git``, outside the workspace, so
the agent's own ``find`` or ``ls -R`` never sees it), a separate git dir with the workspace
as its work tree and one index file per session. It
never touches the user's repository (branches, index, stash, HEAD), works in workspaces
that are not git repositories, and honours the workspace's .gitignore files (ignored
files are neither snapshotted nor restored). Git runs through :mod:`agent.safegit` with the
user's and the system's git config not read (``GIT_CONFIG_GLOBAL=/dev/null``) and no
``GIT_*`` variable of limi-cli's environment passed on, so hooks, filters, fsmonitor and
signing stay out: the store's own config is written by ``git init`` here, and the
workspace's ``.gitattributes`` can name a filter or diff driver but nothing defines one.

Each session's checkpoints are a chain of commits under ``refs/limi/checkpoints/<id>``;
the session log records each one as a ``checkpoint`` event, and undo as an ``undo`` event.
"""

from __future__ import annotations

from pathlib import Path

from agent.events import Checkpoint, Undo
from agent.messages import ToolCall
from agent.safegit import GitError, run_git
from agent.tools.base import Tool

_IDENTITY = {"GIT_AUTHOR_NAME": "limi-cli", "GIT_AUTHOR_EMAIL": "checkpoints@limi-cli.invalid",
             "GIT_COMMITTER_NAME": "limi-cli", "GIT_COMMITTER_EMAIL": "checkpoints@limi-cli.invalid"}
_SETTINGS = ["core.autocrlf=false", "core.safecrlf=false", "core.fileMode=true", "core.symlinks=true",
             "advice.addEmbeddedRepo=false"]  # on top of agent.safegit's (hooks, gpg, gc, fsmonitor...)
_CHUNK = 500  # paths per git command when restoring


class CheckpointError(Exception):
    """A snapshot or restore failed; the message says what git reported."""


class CheckpointStore:
    """The shadow git store of one workspace."""

    def __init__(self, workspace: Path):
        from agent.config import workspace_cache_path

        self.root = Path(workspace).resolve()
        self.git_dir = workspace_cache_path("checkpoints", self.root, ".git")

    def _run(self, session_id: str, *args: str, check: bool = True) -> str:
        env = {**_IDENTITY, "GIT_INDEX_FILE": str(self.git_dir / f"index-{session_id}"), "GIT_LITERAL_PATHSPECS": "1"}
        command = [f"--git-dir={self.git_dir}", f"--work-tree={self.root}", *args]
        try:
            # the store's config is limi-cli's own (no scan); paths round-trip as bytes
            return run_git(command, self.root, check=check, scan_config=False, global_config=False,
                           settings=_SETTINGS, extra_env=env, errors="surrogateescape", strip_newline=True)
        except GitError as e:
            raise CheckpointError(f"git {args[0]} in the checkpoint store failed: {(e.stderr or e.why).strip()[:300]}") from None

    def _init(self, session_id: str) -> None:
        if (self.git_dir / "HEAD").is_file():
            return
        self.git_dir.parent.mkdir(parents=True, exist_ok=True)
        self._run(session_id, "init", "--quiet")
        exclude = [".limi/"]
        user_exclude = self.root / ".git" / "info" / "exclude"
        if user_exclude.is_file():
            exclude.append(user_exclude.read_text(encoding="utf-8", errors="replace"))
        (self.git_dir / "info").mkdir(exist_ok=True)
        (self.git_dir / "info" / "exclude").write_text("\n".join(exclude) + "\n")

    @staticmethod
    def ref(session_id: str, chain: str = "checkpoints") -> str:
        return f"refs/limi/{chain}/{session_id}"

    def count(self, session_id: str) -> int:
        """How many checkpoints ``session_id`` has taken."""
        if not (self.git_dir / "HEAD").is_file():
            return 0
        out = self._run(session_id, "rev-list", "--count", self.ref(session_id), "--", check=False)
        return int(out) if out.strip().isdigit() else 0

    def snapshot(self, session_id: str, message: str, chain: str = "checkpoints") -> str:
        """Commit the workspace as it is now to the session's chain; return the commit sha."""
        self._init(session_id)
        self._run(session_id, "add", "--all", "--ignore-errors", "--", ".", check=False)
        tree = self._run(session_id, "write-tree")
        ref = self.ref(session_id, chain)
        parent = self._run(session_id, "rev-parse", "--verify", "--quiet", ref, check=False).strip()
        sha = self._run(session_id, "commit-tree", tree, *(["-p", parent] if parent else []), "-m", message).strip()
        self._run(session_id, "update-ref", ref, sha)
        return sha

    def differs(self, session_id: str, a: str, b: str) -> bool:
        """Whether the files of snapshots ``a`` and ``b`` differ."""
        return bool(self._run(session_id, "diff-tree", "-r", "--name-only", a, b).strip())

    def restore(self, session_id: str, sha: str, backup: str | None = None) -> tuple[str, list[str], list[str]]:
        """Put the files back as they were at ``sha``. Return (backup sha of the files just
        before, paths written back, paths deleted). The backup makes an undo undoable; pass
        one taken just before to reuse it."""
        backup = backup or self.snapshot(session_id, f"before undo to {sha[:12]}", chain="undo")
        changes = self._run(session_id, "diff-tree", "-r", "-z", "--no-renames", "--name-status", backup, sha)
        fields = changes.split("\0")
        written, deleted = [], []
        for status, path in zip(fields[0::2], fields[1::2]):
            (deleted if status == "D" else written).append(path)
        for i in range(0, len(written), _CHUNK):
            self._run(session_id, "checkout", sha, "--", *written[i:i + _CHUNK])
        for path in deleted:
            target = self.root / path
            target.unlink(missing_ok=True)
            _prune_empty_dirs(target.parent, self.root)
        self._run(session_id, "read-tree", sha)  # the session's index now matches the restored files
        return backup, written, deleted


def _prune_empty_dirs(directory: Path, root: Path) -> None:
    while directory != root and root in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent


class Checkpointer:
    """The session's ``before_tool`` hook: snapshot the workspace before each edit or command."""

    def __init__(self, workspace: Path, session_id: str):
        self.store = CheckpointStore(workspace)
        self.session_id = session_id
        self.step = self.store.count(session_id) if (self.store.git_dir / "HEAD").is_file() else 0

    def __call__(self, tool: Tool, call: ToolCall, turn: int) -> Checkpoint:
        self.step += 1
        try:
            sha = self.store.snapshot(self.session_id, f"before step {self.step}: {tool.name} ({call.id})")
        except Exception as e:  # no git, a full disk: the tool still runs, the log says why there is no checkpoint
            return Checkpoint(step=self.step, turn=turn, tool_call_id=call.id, tool=tool.name, commit=None, error=str(e))
        return Checkpoint(step=self.step, turn=turn, tool_call_id=call.id, tool=tool.name, commit=sha)


def checkpoints_in_log(log_path: Path) -> list[Checkpoint]:
    """The checkpoints a session log records (those that have a commit), in order."""
    from agent.trajectory import read_log

    return [ev for ev in read_log(log_path).events if isinstance(ev, Checkpoint) and ev.commit]


def undo(workspace: Path, log_path: Path, step: int | None = None) -> Undo:
    """Restore the files as they were before checkpoint ``step`` of the session logged at
    ``log_path``, and append an ``undo`` event to that log. The default step is the last one
    whose undo changes a file (steps that changed nothing are passed over); after an undo with
    no checkpoint since, the one before it, so each ``undo`` goes one step further back (as an
    editor's does)."""
    from agent.trajectory import TrajectoryWriter, read_log

    events = read_log(log_path).events
    checkpoints = [ev for ev in events if isinstance(ev, Checkpoint) and ev.commit]
    if not checkpoints:
        raise CheckpointError(f"session {log_path.stem} has no checkpoints: it changed no files through its tools")
    store = CheckpointStore(workspace)
    if not (store.git_dir / "HEAD").is_file():
        raise CheckpointError(f"no checkpoint store at {store.git_dir}; was the session run in another workspace?")
    backup = None
    if step is None:
        last = next((ev for ev in reversed(events) if isinstance(ev, (Checkpoint, Undo))), None)
        if isinstance(last, Undo):  # the files are at checkpoint last.step already: go one further
            earlier = [c for c in checkpoints if c.step < last.step]
            if not earlier:
                raise CheckpointError(f"session {log_path.stem} is back at its first checkpoint (step {last.step}) "
                                      "already; nothing earlier to undo")
        else:
            earlier = checkpoints
        # the latest step whose undo changes a file: a step that changed nothing (a command
        # that only printed) is skipped, so one undo always takes back a real change
        backup = store.snapshot(log_path.stem, "before undo", chain="undo")
        chosen = next((c for c in reversed(earlier) if store.differs(log_path.stem, backup, c.commit or "")), earlier[0])
    else:
        chosen = next((c for c in checkpoints if c.step == step), None)
        if chosen is None:
            steps = ", ".join(str(c.step) for c in checkpoints)
            raise CheckpointError(f"session {log_path.stem} has no checkpoint {step}; its steps are {steps}")
    backup, written, deleted = store.restore(log_path.stem, chosen.commit or "", backup)
    event = Undo(step=chosen.step, commit=chosen.commit or "", backup=backup, restored=written, deleted=deleted)
    with TrajectoryWriter(log_path) as writer:
        writer.write(event)
    return event


def describe_undo(event: Undo, log_path: Path) -> str:
    """One line for an undo: which step (and its tool) and how many files came back."""
    tool = next((c.tool for c in checkpoints_in_log(log_path) if c.step == event.step), None)
    return (f"files restored as they were before step {event.step}{f' ({tool})' if tool else ''}: "
            f"{len(event.restored)} written back, {len(event.deleted)} deleted")
