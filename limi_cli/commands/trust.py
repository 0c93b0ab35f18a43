"""``limi-cli trust``: accept this project's ``.limi/config.toml``, so the settings that widen
what the agent may do (allow rules, MCP servers, model, a looser approval ...) apply;
``--revoke`` forgets it."""

from __future__ import annotations

import argparse
from pathlib import Path

from limi_cli.commands.common import UserError, workspace


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "trust", help="trust this project's .limi/config.toml (its allow rules, MCP servers, model ...)",
        description="Show what the project's .limi/config.toml sets beyond the harmless keys, and remember "
                    "its sha256 so those settings apply. Any later change to the file makes it untrusted again.",
    )
    p.add_argument("--cwd", type=Path, default=None, help="workspace directory (default: the current directory)")
    p.add_argument("--revoke", action="store_true", help="forget the trust: the risky settings are ignored again")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    import json

    from agent.config import (
        ConfigError, config_digest, load_config, parse_toml, project_config_path, risky_settings, set_trust,
        trust_store_path,
    )

    ws = workspace(args.cwd)
    path = project_config_path(ws)
    if not path.is_file():
        raise UserError(f"{path} does not exist; there is no project config to trust")
    if args.revoke:
        set_trust(path, None)
        print(f"{path} is no longer trusted: its risky settings are ignored again")
        return 0
    raw = path.read_bytes()  # the bytes shown are the bytes trusted
    layer = parse_toml(raw, path)
    set_trust(path, raw)
    try:  # the whole file must load: a typo is better found now than at the next start
        load_config(ws, notice=lambda _: None)
    except ConfigError:
        set_trust(path, None)
        raise
    print(f"trusted {path} (sha256 {config_digest(raw)[:16]}..., remembered in {trust_store_path()})")
    risky = risky_settings(layer, {})
    if not risky:
        print("it sets nothing beyond the harmless keys")
    for key in risky:
        value = layer["rules"]["allow"] if key == "rules.allow" else layer[key]
        print(f"  {key} = {json.dumps(value, default=str)}")
    print("any change to the file makes it untrusted again")
    return 0
