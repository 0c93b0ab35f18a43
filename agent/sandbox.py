"""Run shell commands inside bubblewrap: the workspace writable, everything else read-only,
and the network off unless allowed.

The sandbox is the default wherever bubblewrap works (``sandbox = "auto"``): :func:`sandbox_for`
turns the configured mode into a :class:`Sandbox` or ``None``. :func:`sandbox_problem` says, in
one line, why a sandbox cannot be had here (bwrap is missing, or the kernel refuses it the
namespaces it needs) and what to do; ``None`` means it works.

Inside, a command has no capabilities (even when limi-cli runs as root), its own user, PID,
IPC, UTS, cgroup and network namespaces, a new session (no TIOCSTI into the terminal), a fresh
``/tmp`` and ``/run`` (no sockets of the host's services: D-Bus, docker, ssh-agent), and the
workspace's ``.limi`` (limi-cli's own logs, history and project config) read-only. When the
command's bash exits, bwrap's init exits and the kernel kills what is left in the PID namespace;
when limi-cli dies, ``--die-with-parent`` does the same.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from agent.config import ConfigError

PROBE_TIMEOUT_S = 10.0
SandboxMode = Literal["on", "off", "auto"]

# every namespace bwrap can make (user: where the kernel allows one), no capabilities, a new
# session so a command cannot push keystrokes into the terminal (TIOCSTI), gone with limi-cli
ISOLATION = ["--unshare-all", "--cap-drop", "ALL", "--die-with-parent", "--new-session"]

notice: str | None = None  # what sandbox_for said when "auto" found no sandbox (shown once per process)


class SandboxUnavailable(ConfigError):
    """``--sandbox on`` was asked for and cannot be had; the message says why and what to do."""


@lru_cache(maxsize=1)
def sandbox_problem() -> str | None:
    """Why bubblewrap cannot sandbox commands on this machine, or None when it can."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return ("bubblewrap (bwrap) is not installed; install it (Debian/Ubuntu: apt-get install bubblewrap) "
                "or pass --sandbox off")
    try:
        probe = subprocess.run(
            [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", *ISOLATION, "--", "true"],
            capture_output=True, timeout=PROBE_TIMEOUT_S, text=True, stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"bubblewrap does not run here ({e}); pass --sandbox off"
    if probe.returncode != 0:
        why = (probe.stderr.strip().splitlines() or [f"exit code {probe.returncode}"])[-1]
        return f"bubblewrap cannot create its namespaces here ({why}); {_userns_advice()}"
    return None


def _userns_advice() -> str:
    """What to do when the kernel refuses bwrap its namespaces, from what this kernel says."""
    def sysctl(name: str) -> str | None:
        try:
            return Path("/proc/sys", *name.split(".")).read_text().strip()
        except OSError:
            return None

    if sysctl("kernel.apparmor_restrict_unprivileged_userns") == "1":
        return ("AppArmor restricts unprivileged user namespaces: allow bwrap with an AppArmor profile "
                "(or sysctl kernel.apparmor_restrict_unprivileged_userns=0), or pass --sandbox off")
    if sysctl("kernel.unprivileged_userns_clone") == "0":
        return "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) or pass --sandbox off"
    if sysctl("user.max_user_namespaces") == "0":
        return "allow user namespaces (sysctl user.max_user_namespaces=15000) or pass --sandbox off"
    return ("in a container, user namespaces are often refused: run the container with them allowed "
            "(e.g. docker --security-opt seccomp=unconfined), or pass --sandbox off")


def sandbox_for(mode: SandboxMode, workspace: Path, network: bool = False) -> Sandbox | None:
    """The sandbox shell commands run in: ``on`` one or :class:`SandboxUnavailable`, ``off`` none,
    ``auto`` one where bubblewrap works and otherwise none, with a one-line notice on stderr (once
    per process; kept in :data:`notice` for front ends that own the screen)."""
    global notice
    if mode == "off":
        return None
    if mode == "auto":
        problem = sandbox_problem()
        if problem is not None:
            if notice is None:
                notice = f"shell commands run without a sandbox: {problem}"
                print(f"limi-cli: note: {notice}", file=sys.stderr)
            return None
    return Sandbox(workspace, network=network)


@dataclass
class Sandbox:
    """How to wrap a command: ``workspace`` (and ``writable`` paths) can be written, the network
    is reachable only when ``network`` is true. ``/tmp`` is a fresh empty tmpfs, except that the
    Python environment and the ``PATH`` directories that live under it stay visible (read-only),
    so a virtual environment in /tmp still runs."""

    workspace: Path
    network: bool = False
    writable: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        problem = sandbox_problem()
        if problem is not None:
            raise SandboxUnavailable(f"cannot sandbox shell commands: {problem}")

    def wrap(self, argv: list[str]) -> list[str]:
        """``argv`` run inside the sandbox."""
        bwrap = shutil.which("bwrap") or "bwrap"
        args = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
        args += _hide_run(self.network)
        for p in _needed_under_tmp():
            args += ["--ro-bind", p, p]
        root = self.workspace.resolve()
        for path in [root, *self.writable]:
            p = str(Path(path).resolve())
            args += ["--bind", p, p]
        own = root / ".limi"  # limi-cli's logs, history and project config: never the command's to change
        try:
            if not own.is_symlink():
                own.mkdir(exist_ok=True)
        except OSError:  # a read-only workspace: then nothing inside can write it either
            pass
        if own.is_dir() and not own.is_symlink():
            args += ["--ro-bind", str(own), str(own)]
        args += ISOLATION
        if self.network:
            args.append("--share-net")
        args += ["--chdir", str(root), "--"]
        return args + list(argv)

    def describe(self) -> str:
        return f"bubblewrap: {self.workspace} writable, the rest read-only, network {'on' if self.network else 'off'}"


def _hide_run(network: bool) -> list[str]:
    """A fresh ``/run`` hides the sockets of the host's services (D-Bus, the user's systemd,
    docker); with the network on, the resolver configuration living there is kept."""
    run = Path("/run")
    if not run.is_dir() or run.is_symlink():
        return []
    args = ["--tmpfs", "/run"]
    if network:
        resolv = Path("/etc/resolv.conf").resolve()
        if run.resolve() in resolv.parents and resolv.is_file():
            args += ["--ro-bind", str(resolv), str(resolv)]
    return args


def _needed_under_tmp() -> list[str]:
    """Directories under /tmp that the fresh tmpfs would hide but commands need: this Python's
    environment (a venv made in /tmp) and the PATH entries there."""
    tmp = Path("/tmp").resolve()
    keep: set[str] = set()
    for entry in [sys.prefix, sys.base_prefix, *os.environ.get("PATH", "").split(os.pathsep)]:
        if not entry:
            continue
        path = Path(entry).resolve()
        if path != tmp and tmp in path.parents and path.is_dir():
            keep.add(str(path))
    # a parent already kept covers its children
    return sorted(p for p in keep if not any(p != q and p.startswith(q + os.sep) for q in keep))
