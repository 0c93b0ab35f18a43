"""limi-cli's command line and terminal front ends. The agent itself lives in ``agent/``."""

from agent import __version__

__all__ = ["__version__"]
