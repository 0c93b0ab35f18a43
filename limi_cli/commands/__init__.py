"""One module a command. Each has ``register(subparsers)``, which adds its parser and sets
``handler`` (called with the parsed args, returns the exit code). Modules here import
only argparse-level things at the top; the work is imported inside the handler."""

# the order of `limi-cli --help`
COMMANDS = ["chat", "run", "acp", "init", "sessions", "undo", "trust", "export", "record", "review", "data", "train", "batch", "eval"]
