"""limi-cli agent core: the session loop, tools, model backends and the trajectory log.

Nothing in this package imports a terminal UI, and nothing at module level imports
torch, transformers or llama_cpp: those are loaded inside the backends that need them.
"""

__version__ = "0.1.0"
