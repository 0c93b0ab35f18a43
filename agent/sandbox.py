"""Run shell commands inside bubblewrap: the workspace writable, everything else read-only,
and the network off unless allowed.

:func:`sandbox_problem` says, in one line, why a sandbox cannot be had here (bwrap is
missing, or the kernel refuses it the namespaces it needs); ``None`` means it works.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from agent.config import ConfigError

PROBE_TIMEOUT_S = 10.0


class SandboxUnavailable(ConfigError):
    """``--sandbox`` was asked for and cannot be had; the message says why and what to do."""


@lru_cache(maxsize=1)
def sandbox_problem() -> str | None:
    """Why bubblewrap cannot sandbox commands on this machine, or None when it can."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap (bwrap) is not installed; install it (Debian/Ubuntu: apt-get install bubblewrap) or run without --sandbox"
    try:
        probe = subprocess.run(
            [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-net", "true"],
            capture_output=True, timeout=PROBE_TIMEOUT_S, text=True,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"bubblewrap does not run here ({e}); run without --sandbox"
    if probe.returncode != 0:
        why = (probe.stderr.strip().splitlines() or [f"exit code {probe.returncode}"])[-1]
        return (f"bubblewrap cannot create its namespaces here ({why}); allow unprivileged user namespaces "
                "(sysctl kernel.unprivileged_userns_clone=1) or run without --sandbox")
    return None


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

    def wrap(self, argv: list[str], extra_writable: list[Path] = ()) -> list[str]:
        """``argv`` run inside the sandbox."""
        bwrap = shutil.which("bwrap") or "bwrap"
        args = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
        for p in _needed_under_tmp():
            args += ["--ro-bind", p, p]
        for path in [self.workspace, *self.writable, *extra_writable]:
            p = str(Path(path).resolve())
            args += ["--bind", p, p]
        if not self.network:
            args.append("--unshare-net")
        args += ["--die-with-parent", "--chdir", str(self.workspace.resolve()), "--"]
        return args + list(argv)

    def describe(self) -> str:
        return f"bubblewrap: {self.workspace} writable, the rest read-only, network {'on' if self.network else 'off'}"


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
