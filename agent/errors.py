"""Errors shared across the core's layers.

:class:`BackendError` lives here, below both the backends (:mod:`agent.backends`, which
re-export it) and the model files they share with training (:mod:`agent.model_files`), so
``training/`` can catch it without importing a backend.
"""


class BackendError(Exception):
    """A model call failed in a way the user must fix (server down, unknown model...).

    The message is one line that says what to do.
    """
