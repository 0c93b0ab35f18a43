"""Feature flags read from environment variables, e.g. FLAG_NEW_CHECKOUT=on."""

import os

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def is_enabled(name, env=None, default=False):
    """Whether flag `name` is on: FLAG_<NAME> is one of TRUE_WORDS (case-insensitive)."""
    env = os.environ if env is None else env
    raw = env.get("FLAG_" + name.upper())
    if raw is None:
        return default
    value = raw.lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ValueError(f"FLAG_{name.upper()}={raw!r} is neither on nor off")
