"""Configuration: defaults < ``~/.config/limi-cli/config.toml`` < ``.limi/config.toml``
< ``LIMI_*`` environment variables < command-line flags.

Every layer is validated with pydantic; a bad value is a one-line :class:`ConfigError`
that names the key and the file (or variable) it came from.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.messages import Sampling
from agent.policy import ApprovalMode, ApprovalRules

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class ConfigError(Exception):
    """A configuration value is wrong; the message names the key and where it came from."""


class McpServer(BaseModel):
    """One MCP server under ``[mcp_servers.NAME]``: ``command`` (+ ``args``, ``env``) over stdio, or ``url``
    (streamable HTTP). Its tools are offered as ``NAME__tool``."""

    model_config = ConfigDict(extra="forbid")

    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    timeout_s: float = Field(default=60.0, gt=0)  # per tool call
    enabled: bool = True


class WebSearch(BaseModel):
    """``[web_search]``: the search provider behind the ``web_search`` tool (none: the tool is not offered)."""

    model_config = ConfigDict(extra="forbid")

    provider: Literal["searxng", "brave"]
    url: str | None = None  # searxng: the instance, e.g. http://127.0.0.1:8888; brave: the API endpoint
    api_key: str | None = None  # brave: X-Subscription-Token
    max_results: int = Field(default=8, ge=1, le=50)
    timeout_s: float = Field(default=20.0, gt=0)


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # "embedded" (the shipped SmolLM2 GGUF, with the shipped limi LoRA adapter when the package
    # has one), "embedded-base" (the GGUF alone), a model name on an OpenAI-compatible server,
    # a local HF checkpoint directory, or a .gguf file. Prefixes force a backend:
    # "openai:NAME", "hf:PATH", "gguf:PATH".
    model: str = "embedded"
    backend: Literal["auto", "embedded", "openai", "hf"] = "auto"
    base_url: str | None = None  # OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1
    api_key: str | None = None
    # native: OpenAI tools/tool_calls; text: <tool_call> blocks in the prompt; auto: native for openai
    tool_protocol: Literal["auto", "native", "text"] = "auto"
    # how the text protocol describes tools: full JSON schemas, or one signature line each;
    # auto: brief for models with at most 8k tokens of context (what training assumes too)
    tool_prompt: Literal["auto", "full", "brief"] = "auto"
    request_timeout_s: float = 600.0
    max_retries: int = 3
    n_ctx: int = 8192  # context of local models (embedded, gguf)
    n_threads: int | None = None
    device: str = "auto"  # hf backend: auto, cpu, cuda

    approval: ApprovalMode = "auto-edit"
    max_turns: int = Field(default=30, ge=1)
    # a call that would repeat, for the loop_limit-th time, the same call (or a cycle of 2-3 calls)
    # with unchanged results is not run, the model is told to change course, and two more rounds
    # stop the turn (outcome loop; agent/loop_guard.py); 0: off
    loop_limit: int = Field(default=5, ge=0)
    sessions_dir: str | None = None  # default: <workspace>/.limi/sessions
    shell_timeout_s: float = Field(default=120.0, gt=0)
    max_output_chars: int = Field(default=16_000, ge=1000)
    system_prompt_file: str | None = None
    # the built-in tools offered, by name; None: all of them, or the core set (CORE_TOOLS) when
    # the model's context is small (8k tokens or less), where 18 tool descriptions take 5k tokens
    tools: list[str] | None = None
    repo_map_tokens: int = Field(default=0, ge=0)  # ranked repo map in the system prompt, in tokens (0: off)
    sampling: Sampling = Field(default_factory=Sampling)

    rules: ApprovalRules = Field(default_factory=ApprovalRules)  # [rules] allow / ask / deny "tool: pattern"
    sandbox: bool = False  # shell commands in bubblewrap: the workspace writable, the rest read-only
    network: bool = False  # inside the sandbox: whether commands may use the network
    mcp_servers: dict[str, McpServer] = Field(default_factory=dict)
    web_search: WebSearch | None = None
    compact_at: float = Field(default=0.8, gt=0, le=1)  # compact the conversation past this fill of the context
    context_window: int | None = Field(default=None, ge=1024)  # tokens; default: what the backend says, else n_ctx


ENV_PREFIX = "LIMI_"
# variables other tools already use, read when the LIMI_ ones are unset
_ENV_FALLBACKS = {"base_url": "OPENAI_BASE_URL", "api_key": "OPENAI_API_KEY"}


def user_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "limi-cli" / "config.toml"


def workspace_cache_path(kind: str, workspace: Path, suffix: str) -> Path:
    """A per-workspace file or directory in the user cache dir (``$XDG_CACHE_HOME/limi-cli/<kind>/``),
    named after the workspace and a hash of its path: state limi-cli keeps out of the workspace."""
    import hashlib

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    root = Path(workspace).resolve()
    key = hashlib.sha1(str(root).encode()).hexdigest()[:16]
    return Path(base) / "limi-cli" / kind / f"{root.name or 'root'}-{key}{suffix}"


def project_config_path(workspace: Path) -> Path:
    return workspace / ".limi" / "config.toml"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e}); fix the syntax") from None


def _env_layer(environ: dict[str, str]) -> dict[str, Any]:
    layer: dict[str, Any] = {}
    for key, info in Config.model_fields.items():
        if key == "sampling":
            for skey in Sampling.model_fields:
                name = f"{ENV_PREFIX}{skey.upper()}"
                if name in environ:
                    layer.setdefault("sampling", {})[skey] = environ[name]
            continue
        name = f"{ENV_PREFIX}{key.upper()}"
        if name in environ:
            layer[key] = environ[name]
        elif key in _ENV_FALLBACKS and _ENV_FALLBACKS[key] in environ:
            layer[key] = environ[_ENV_FALLBACKS[key]]
    return layer


def _apply(data: dict[str, Any], layer: dict[str, Any], source: str) -> dict[str, Any]:
    merged = {**data, **{k: v for k, v in layer.items() if k != "sampling"}}
    if "sampling" in layer:
        if not isinstance(layer["sampling"], dict):
            raise ConfigError(f"{source}: key 'sampling' must be a table")
        merged["sampling"] = {**data.get("sampling", {}), **layer["sampling"]}
    try:
        Config.model_validate(merged)
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "?"
        raise ConfigError(f"{source}: key '{key}': {err['msg']}") from None
    return merged


def load_config(
    workspace: Path,
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
    user_path: Path | None = None,
) -> Config:
    """Merge every layer, validating each so an error names where the bad value came from."""
    environ = dict(os.environ if environ is None else environ)
    data: dict[str, Any] = {}
    for path in (user_path or user_config_path(), project_config_path(workspace)):
        if path.is_file():
            data = _apply(data, _read_toml(path), str(path))
    data = _apply(data, _env_layer(environ), "environment (LIMI_* variables)")
    flags = {k: v for k, v in (overrides or {}).items() if v is not None}
    data = _apply(data, flags, "command line")
    return Config.model_validate(data)
