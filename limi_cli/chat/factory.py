"""Sessions for the interactive front ends: a :class:`SessionFactory` holds the config and the
workspace and builds a new session, or reopens a logged one; ``/model`` makes another factory
with :meth:`SessionFactory.with_model`."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from agent.backends.demonstration import DemonstrationBackend
from agent.backends.registry import make_backend, resolve_backend
from agent.config import Config
from agent.policy import Approver
from agent.session import Session
from agent.session_builder import build_session


class SessionFactory:
    """``factory(approver, log)``: a new session (``log`` None) or the one logged at ``log``; not started."""

    def __init__(self, config: Config, workspace: Path, *, mode: str = "chat"):
        self.config, self.workspace, self.mode = config, workspace, mode

    def __call__(self, approver: Approver, log: Path | None) -> Session:
        return build_session(self.config, self.workspace, approver=approver, mode=self.mode, resume=log)

    def with_model(self, model: str) -> SessionFactory:
        """The same factory for another model; a BackendError or ConfigError (one line) when
        ``model`` cannot name one (the model itself loads when a session is built)."""
        config = self.config.model_copy(update={"model": model})
        resolve_backend(config)
        return type(self)(config, self.workspace, mode=self.mode)


class RecordSessionFactory:
    """``factory(approver, ask)``: a logged ``record`` session whose backend asks the expert at
    each step through ``ask`` (the configured model proposes, unless ``propose`` is off)."""

    def __init__(self, config: Config, workspace: Path, *, propose: bool = True):
        self.config, self.workspace, self.propose = config, workspace, propose

    def __call__(self, approver: Approver, ask: Callable) -> Session:
        backend = DemonstrationBackend([], make_backend(self.config) if self.propose else None, ask=ask)
        return build_session(self.config, self.workspace, backend=backend, approver=approver, mode="record")
