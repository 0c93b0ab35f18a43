"""A fresh workspace per task run: a writable copy of the task's template (or a clone of its
repository), its setup commands run, and git-initialised so the log records the HEAD the
agent started from and the run's diff is ``git diff`` against it.

git runs through :mod:`agent.safegit`: after the run, the workspace (its ``.git/config``
included) is whatever the agent left, so its filters, hooks and diff drivers run nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from agent.safegit import NO_EXT_DIFF, GitError, run_git
from evaluation.check import REFERENCE_ANSWER, command_env, run_command
from evaluation.task import Task

_GIT_ID = ["-c", "user.name=limi-cli", "-c", "user.email=limi-cli@localhost"]


class SetupError(Exception):
    """The workspace could not be prepared (clone or setup command failed)."""


def copy_tree(src: Path, dest: Path, skip: tuple[str, ...] = ()) -> None:
    """Copy files of ``src`` into ``dest`` as new, writable files (modes of a read-only
    template are not kept); top-level names in ``skip`` are left out."""
    dest.mkdir(parents=True, exist_ok=True)
    for item in sorted(src.iterdir()):
        if item.name in skip or item.name == ".git":
            continue
        target = dest / item.name
        if item.is_dir() and not item.is_symlink():
            copy_tree(item, target)
        else:
            if target.exists() or target.is_symlink():
                target.unlink()
            shutil.copyfile(item, target, follow_symlinks=True)


def prepare_workspace(task: Task, dest: Path) -> str | None:
    """Fill the empty directory ``dest`` for ``task``; return the git HEAD the agent starts from."""
    if task.repo:
        # a URL or path from the (trusted) task file: the user's transports and credentials apply
        _git(["clone", "--quiet", task.repo, str(dest)], Path.cwd(), f"cannot clone {task.repo}", network=True)
        if task.ref:
            _git(["checkout", "--quiet", task.ref], dest, f"cannot check out {task.ref} of {task.repo}")
    else:
        dest.mkdir(parents=True, exist_ok=True)
        if task.workspace:
            copy_tree(Path(task.workspace), dest, skip=tuple(task.exclude))
    env = command_env(task.suite_dir, task.id)
    for command in task.setup:
        result = run_command(command, dest, task.limits.setup_timeout_s, env)
        if not result.ok:
            raise SetupError(f"setup command {command!r} failed ({_status(result)}): {result.output.strip()[-300:]}")
    if not (dest / ".git").exists():
        _git(["init", "--quiet"], dest, "git init failed")
    _git(["add", "-A"], dest, "git add failed")
    _git([*_GIT_ID, "commit", "--quiet", "--allow-empty", "--no-verify", "-m", f"task {task.id}"], dest, "git commit failed")
    return _git(["rev-parse", "HEAD"], dest, "git rev-parse failed").strip()


def apply_solution(task: Task, workspace: Path) -> None:
    """Overlay the task's reference solution on a prepared workspace."""
    if not task.solution and not task.solution_files:
        raise SetupError(f"task {task.id} has no reference solution")
    if task.solution:
        copy_tree(Path(task.solution), workspace, skip=(REFERENCE_ANSWER,))  # the reference final answer
    for dest, src in task.solution_files.items():
        target = workspace / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        shutil.copyfile(src, target)


def workspace_diff(workspace: Path) -> str:
    """What the run changed since the starting commit, new files included."""
    _git(["add", "-A"], workspace, "git add failed")
    return _git(["diff", "--cached", "--binary", *NO_EXT_DIFF, "--ignore-submodules=dirty", "HEAD"], workspace,
                "git diff failed")


def _git(args: list[str], cwd: Path, what: str, network: bool = False) -> str:
    try:
        return run_git(args, cwd, network=network, scan_config=not network)
    except GitError as e:
        raise SetupError(f"{what}: {(e.stderr.strip() or e.why)[-300:]}") from None


def _status(result) -> str:
    return "timed out" if result.timed_out else f"exit {result.exit_code}"
