"""``limi-cli trust``: accept this project's ``.limi/config.toml``, so the settings that widen
what the agent may do (allow rules, MCP servers, model, a looser approval ...) apply, and its
custom commands (``.limi/commands/*.md``), so their ``!`` lines run and their ``allowed-tools``
and ``model`` apply, and its agent definitions (``.limi/agents/*.md``), so their ``tools`` and
``model`` apply to the subagents they define; ``--revoke`` forgets them. Each file's sha256 is
remembered: a changed file is untrusted again."""

from __future__ import annotations

import argparse
from pathlib import Path

from limi_cli.commands.common import UserError, workspace


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "trust", help="trust this project's .limi/config.toml (its allow rules, MCP servers, model ...), .limi/commands and .limi/agents",
        description="Show what the project's .limi/config.toml sets beyond the harmless keys and what its custom "
                    "commands (.limi/commands/*.md) may do, and remember each file's sha256 so those settings, the "
                    "commands' ! lines, allowed-tools and model apply, and its agent definitions' (.limi/agents/*.md) tools and "
                    "model. Any later change to a file makes it untrusted again.",
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
    from agent.custom_commands import project_command_files
    from agent.subagents import project_agent_files

    ws = workspace(args.cwd)
    path = project_config_path(ws)
    commands = project_command_files(ws)
    agents = project_agent_files(ws)
    if not path.is_file() and not commands and not agents:
        raise UserError(f"{path} does not exist and {ws / '.limi' / 'commands'} holds no command; there is nothing to trust")
    if args.revoke:
        for command in commands:
            set_trust(command, None)
        if commands:
            print(f"the {len(commands)} command file(s) in .limi/commands are no longer trusted")
        for agent in agents:
            set_trust(agent, None)
        if agents:
            print(f"the {len(agents)} agent file(s) in .limi/agents are no longer trusted")
        if path.is_file():
            set_trust(path, None)
            print(f"{path} is no longer trusted: its risky settings are ignored again")
        return 0
    _trust_commands(ws, commands)
    _trust_agents(ws, agents)
    if not path.is_file():
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


def _remember(ws, files) -> None:
    """Trust each file's current bytes, read by descriptor from the workspace root as sessions
    read it (a link out of the workspace is not trusted)."""
    from agent.config import set_trust
    from agent.tools.safe_open import read_bytes
    from agent.tools.workspace import Workspace

    for f in files:
        try:
            set_trust(f, read_bytes(Workspace(ws), f))
        except Exception as e:
            print(f"  {f.relative_to(ws)}: not trusted: {e}")


def _trust_commands(ws, files) -> None:
    """Remember each custom command file of the project, and say what each may do now."""
    from agent.custom_commands import load_commands

    _remember(ws, files)
    if not files:
        return
    found = load_commands(ws, scopes=("project",))
    print(f"trusted the {len(files)} command file(s) in .limi/commands (any change makes a file untrusted again):")
    for command in found.commands.values():
        powers = command.powers()
        print(f"  /{command.name} ({command.shown_as})" + (f": {', '.join(powers)}" if powers else ": prompt text only"))
        for tool in command.allowed_tools:
            print(f"      allowed-tools: {tool}")
    for problem in found.problems.values():
        print(f"  {problem}")


def _trust_agents(ws, files) -> None:
    """Remember each agent definition of the project (its tools and model apply then), and say what each may do."""
    from agent.subagents import load_agents

    _remember(ws, files)
    if not files:
        return
    found = load_agents(ws)
    print(f"trusted the {len(files)} agent file(s) in .limi/agents (any change makes a file untrusted again):")
    for agent in found.agents.values():
        if agent.scope == "project":
            tools = ", ".join(agent.tools) if agent.tools is not None else "the read-only tools"
            print(f"  {agent.name} ({agent.shown_as}): {tools}" + (f"; model {agent.model}" if agent.model else ""))
    for problem in found.problems.values():
        print(f"  {problem}")
