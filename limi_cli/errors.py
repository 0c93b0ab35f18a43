"""Which exceptions are the user's to fix (one line, no traceback) and their exit codes."""

from __future__ import annotations


def user_message(e: BaseException) -> tuple[str, int]:
    from agent.backends.base import BackendError
    from agent.config import ConfigError
    from limi_cli.commands.common import UserError
    from limi_cli.chat.outcomes import EXIT_ERROR, EXIT_USAGE
    from limi_cli.headless import UsageError

    if isinstance(e, UsageError):
        return str(e), EXIT_USAGE
    from agent.session_store import SessionLookupError

    known = (UserError, ConfigError, BackendError, SessionLookupError, FileNotFoundError)
    if isinstance(e, known):
        return str(e).splitlines()[0] if str(e) else type(e).__name__, EXIT_ERROR
    return f"{type(e).__name__}: {e} (rerun with --debug for the traceback)", EXIT_ERROR
