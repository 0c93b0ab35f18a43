"""Configuration: defaults < ``~/.config/limi-cli/config.toml`` < ``.limi/config.toml``
< ``LIMI_*`` environment variables < command-line flags.

Every layer is validated with pydantic; a bad value is a one-line :class:`ConfigError`
that names the key and the file (or variable) it came from.

The project layer comes with the repository, which is not trusted: until the user accepts
the file once (``limi-cli trust``: its sha256 is remembered in ``trusted_projects.json`` next to
the user config), only its harmless keys apply, and the keys that widen what the agent may
do or run (``RISKY_KEYS``; ``approval``, ``sandbox``, ``network`` and allow rules when they
loosen) are ignored with a one-line notice. A changed file is untrusted again. Rules add up
across layers: a project can add deny rules, never remove the user's.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any, Callable, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from agent.hooks import HooksConfig
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


class Subagents(BaseModel):
    """``[subagents]``: the ``task`` tool, which runs a child session on a brief (agent/subagents.py)."""

    model_config = ConfigDict(extra="forbid")

    # offered when the model's context window has at least this many tokens (0: always); `tools` may name task too
    min_context: int = Field(default=16_384, ge=0)
    max_turns: int = Field(default=15, ge=1)  # a child's model calls at most (a call or an agent may ask for fewer)
    max_parallel: int = Field(default=4, ge=1, le=32)  # task calls of one reply run side by side, where the backend can


def _sandbox_mode(value: Any) -> Any:
    """``sandbox``: on, off or auto; the booleans of older configs (and LIMI_SANDBOX=true) mean on and off."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        lowered = value.strip().lower()
        return {"true": "on", "1": "on", "yes": "on", "false": "off", "0": "off", "no": "off"}.get(lowered, lowered)
    return value


def _file_names(names: list[str]) -> list[str]:
    """``instruction_files``: plain file names, looked for in each folder."""
    for name in names:
        if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
            raise ValueError(f"{name!r} is not a file name; give names like AGENTS.md, without folders")
    return names


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
    # llama.cpp models (embedded, gguf): inside <tool_call> the model can only write a JSON call to an
    # offered tool with its required arguments (a grammar built from the tools' schemas); text stays free
    constrained_tool_calls: bool = True
    # llama.cpp models: a string argument of a tool call that ends in the same text repeated back to
    # back (3 copies of at least this many characters) is cut where the repetition began and the call
    # closed; the tool result says so. 0: off
    call_repetition_block: int = Field(default=80, ge=0)
    # model server (openai backend): a stalled read fails after request_timeout_s, a connect after
    # connect_timeout_s; retries (429, 5xx, timeouts, broken streams) wait at most max_retry_wait_s in all,
    # and a Retry-After beyond that stops the run at once
    request_timeout_s: float = Field(default=120.0, gt=0)
    connect_timeout_s: float = Field(default=10.0, gt=0)
    max_retries: int = Field(default=3, ge=0)
    max_retry_wait_s: float = Field(default=60.0, ge=0)
    n_ctx: int = 8192  # context of local models (embedded, gguf)
    # llama.cpp models run with a LoRA adapter (`-m ADAPTER_DIR`, or the shipped one): how strongly it
    # is applied, 0 (the base alone) to 2; unset: the scale the adapter records (``lora_scale`` in its
    # limi_base.json), else 1
    lora_scale: float | None = Field(default=None, ge=0.0, le=2.0)
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
    # shell commands in bubblewrap (the workspace writable, the rest read-only, no capabilities):
    # on, off, or auto: on where bwrap works here, else off with a notice (agent/sandbox.py)
    sandbox: Annotated[Literal["on", "off", "auto"], BeforeValidator(_sandbox_mode)] = "auto"
    network: bool = False  # inside the sandbox: whether commands may use the network
    mcp_servers: dict[str, McpServer] = Field(default_factory=dict)
    web_search: WebSearch | None = None
    # [[hooks.<event>]] shell commands at session events (agent/hooks.py); a layer adds its hooks to the earlier ones'
    hooks: HooksConfig = Field(default_factory=HooksConfig)
    # AGENTS.md and the names read when a folder has none (in each folder the first that exists; [] reads
    # none): the user's and the workspace root's go into the system prompt, a sub-folder's into the result of
    # the first call that touches a file under it, each cut at instructions_max_chars (agent/instructions.py)
    instruction_files: Annotated[list[str], AfterValidator(_file_names)] = Field(
        default_factory=lambda: ["AGENTS.md", "CLAUDE.md", "GEMINI.md"])
    instructions_max_chars: int = Field(default=32_000, ge=100)
    command_timeout_s: float = Field(default=30.0, gt=0)  # a custom command's ! lines are killed after it
    subagents: Subagents = Field(default_factory=Subagents)  # [subagents]: the task tool's limits
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
    return parse_toml(path.read_bytes(), path)


def parse_toml(raw: bytes, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e}); fix the syntax") from None


# -- trusting a project's config ------------------------------------------------------

# keys a project's config may set before the user trusts it: how the model is called and how
# long things run, nothing that widens what the agent may do or where data goes
HARMLESS_KEYS = frozenset({
    "tool_protocol", "tool_prompt", "constrained_tool_calls", "call_repetition_block", "request_timeout_s", "connect_timeout_s", "max_retries", "max_retry_wait_s", "n_ctx", "n_threads", "device", "lora_scale",
    "max_turns", "loop_limit", "shell_timeout_s", "max_output_chars", "repo_map_tokens", "sampling",
    "compact_at", "context_window", "instructions_max_chars", "command_timeout_s",
    "subagents",  # limits only: a subagent never gets more tools or a looser approval than its parent
})
# keys that apply from an untrusted project only when they make things stricter
TIGHTEN_ONLY_KEYS = frozenset({"approval", "sandbox", "network", "rules"})
# keys an untrusted project may not set at all, and why
RISKY_KEYS = {
    "model": "chooses the weights to load (a checkpoint or .gguf from the repository is parsed, and can run code)",
    "backend": "chooses how the model loads",
    "base_url": "chooses where your prompts go",
    "api_key": "sets a credential",
    "sessions_dir": "chooses where session logs are written, outside the workspace too",
    "system_prompt_file": "reads a file from anywhere into the prompt",
    "tools": "chooses the tools the agent gets",
    "mcp_servers": "starts programs and connects to servers",
    "web_search": "chooses where search queries go",
    "instruction_files": "chooses which files of the workspace are read into the prompt",
    "hooks": "runs shell commands at session events",
}
_SANDBOX_STRENGTH = {"off": 0, "false": 0, "auto": 1, "on": 2, "true": 2}


def trust_store_path() -> Path:
    """``trusted_projects.json`` next to the user config: project config path -> sha256 accepted."""
    return user_config_path().parent / "trusted_projects.json"


def config_digest(raw: bytes) -> str:
    import hashlib

    return hashlib.sha256(raw).hexdigest()


def _load_trust(store: Path) -> dict[str, str]:
    import json

    if not store.is_file():
        return {}
    try:
        data = json.loads(store.read_text(encoding="utf-8"))
        projects = data["projects"]
        if not isinstance(projects, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise ConfigError(f"{store}: not a trust store written by limi-cli; delete it and trust your projects again") from None
    return {str(k): str(v) for k, v in projects.items()}


def is_trusted(path: Path, raw: bytes, store: Path | None = None) -> bool:
    """Whether the user accepted exactly these bytes as ``path``'s content."""
    return _load_trust(store or trust_store_path()).get(str(path.resolve())) == config_digest(raw)


def is_trusted_or_false(path: Path, raw: bytes, store: Path | None = None) -> bool:
    """:func:`is_trusted`, with an unreadable trust store trusting nothing (for per-file checks
    such as commands and agent definitions, which then run with the untrusted defaults)."""
    try:
        return is_trusted(path, raw, store)
    except ConfigError:
        return False


def set_trust(path: Path, raw: bytes | None, store: Path | None = None) -> None:
    """Remember ``raw`` (its sha256) as the accepted content of ``path``; None forgets it."""
    import json
    import tempfile

    store = store or trust_store_path()
    projects = _load_trust(store)
    key = str(path.resolve())
    if raw is None:
        projects.pop(key, None)
    else:
        projects[key] = config_digest(raw)
    store.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=store.parent, prefix=".trusted_projects.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"version": 1, "projects": projects}, f, indent=2, sort_keys=True)
    os.replace(tmp, store)


def risky_settings(layer: dict[str, Any], before: dict[str, Any]) -> list[str]:
    """What in a project's config ``layer`` would widen what the agent may do, compared with
    the config ``before`` it (user and defaults): the keys an untrusted project may not set."""
    found = [key for key in layer if key in RISKY_KEYS]
    if "approval" in layer:
        from agent.policy import APPROVAL_MODES

        was = before.get("approval", Config.model_fields["approval"].default)
        if layer["approval"] in APPROVAL_MODES and was in APPROVAL_MODES and APPROVAL_MODES.index(layer["approval"]) > APPROVAL_MODES.index(was):
            found.append("approval")
    if "sandbox" in layer:
        was = _sandbox_strength(before.get("sandbox", Config.model_fields["sandbox"].default))
        now = _sandbox_strength(layer["sandbox"])
        if now is not None and was is not None and now < was:
            found.append("sandbox")
    if "network" in layer and layer["network"] not in (False, "false") and before.get("network") not in (True, "true"):
        found.append("network")
    rules = layer.get("rules")
    if isinstance(rules, dict) and rules.get("allow"):
        found.append("rules.allow")
    return sorted(found)


def _sandbox_strength(value: Any) -> int | None:
    if isinstance(value, bool):
        return 2 if value else 0
    return _SANDBOX_STRENGTH.get(str(value).strip().lower())


def _untrusted(layer: dict[str, Any], before: dict[str, Any], source: str) -> tuple[dict[str, Any], list[str]]:
    """``layer`` without what an untrusted project may not set, and the names of what was left out."""
    if isinstance(layer.get("rules"), dict):
        _rules_of(layer["rules"], source)  # a bad rule is an error even where it would be ignored
    dropped = risky_settings(layer, before)
    kept = {k: v for k, v in layer.items() if k not in dropped}
    if "rules.allow" in dropped:
        kept["rules"] = {k: v for k, v in layer["rules"].items() if k != "allow"}
    return kept, dropped


def _rules_of(value: Any, source: str) -> ApprovalRules:
    if not isinstance(value, (dict, ApprovalRules)):
        raise ConfigError(f"{source}: key 'rules' must be a table with allow / ask / deny lists")
    try:
        return ApprovalRules.model_validate(value)
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(["rules", *(str(p) for p in err["loc"])])
        raise ConfigError(f"{source}: key '{key}': {err['msg']}") from None


def _hooks_of(value: Any, source: str) -> HooksConfig:
    try:
        return HooksConfig.model_validate(value)
    except ValidationError as e:
        err = next((x for x in e.errors() if x["type"] == "extra_forbidden"), e.errors()[0])
        key = ".".join(["hooks", *(str(p) for p in err["loc"])])
        raise ConfigError(f"{source}: key '{key}': {err['msg']}{_did_you_mean(key.split('.'), err['type'])}") from None


def _notice_on_stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


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
    if "rules" in layer:  # rules add up: a later layer never removes an earlier one's deny
        new = _rules_of(layer["rules"], source)
        merged["rules"] = _rules_of(data["rules"], source).merged(new) if "rules" in data else new
    if isinstance(layer.get("hooks"), dict) and isinstance(data.get("hooks"), dict):  # hooks add up, like rules
        merged["hooks"] = _hooks_of(data["hooks"], source).merged(_hooks_of(layer["hooks"], source)).model_dump(
            exclude_none=True)
    if isinstance(layer.get("mcp_servers"), dict) and isinstance(data.get("mcp_servers"), dict):
        merged["mcp_servers"] = {**data["mcp_servers"], **layer["mcp_servers"]}
    if "sampling" in layer:
        if not isinstance(layer["sampling"], dict):
            raise ConfigError(f"{source}: key 'sampling' must be a table")
        merged["sampling"] = {**data.get("sampling", {}), **layer["sampling"]}
    try:
        Config.model_validate(merged)
    except ValidationError as e:
        # a misspelt key first: its "did you mean" explains the missing one that often comes with it
        err = next((x for x in e.errors() if x["type"] == "extra_forbidden"), e.errors()[0])
        loc = [str(p) for p in err["loc"]]
        raise ConfigError(f"{source}: {_name_in(source, loc)}: {err['msg']}{_did_you_mean(loc, err['type'])}") from None
    return merged


ENV_SOURCE, FLAGS_SOURCE = "environment (LIMI_* variables)", "command line"


def _name_in(source: str, loc: list[str]) -> str:
    """The setting as the person wrote it: ``LIMI_MAX_TURNS``, ``--max-turns``, or key 'max_turns'."""
    if source == ENV_SOURCE and loc:
        return ENV_PREFIX + "_".join(loc[-1:] if loc[0] == "sampling" else loc[:1]).upper()
    if source == FLAGS_SOURCE and loc:
        return "--" + loc[0].replace("_", "-")
    return f"key '{'.'.join(loc) or '?'}'"


def _did_you_mean(loc: list[str], kind: str) -> str:
    """For an unknown key, the closest real one (``max_turn`` -> ``max_turns``)."""
    if kind != "extra_forbidden" or not loc:
        return ""
    import difflib

    model: type[BaseModel] = Config
    for part in loc[:-1]:  # a nested table: look among its own keys
        if part.isdigit():  # an item of an array of tables: the same model
            continue
        annotation = model.model_fields.get(part).annotation if part in model.model_fields else None
        if getattr(annotation, "__origin__", None) is list and getattr(annotation, "__args__", None):
            annotation = annotation.__args__[0]  # [[array.of.tables]]
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return ""
        model = annotation
    close = difflib.get_close_matches(loc[-1], list(model.model_fields), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def load_config(
    workspace: Path,
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
    user_path: Path | None = None,
    trust_path: Path | None = None,
    notice: Callable[[str], None] | None = None,
) -> Config:
    """Merge every layer, validating each so an error names where the bad value came from.
    An untrusted project's risky keys are left out and ``notice`` (default: stderr) says so."""
    environ = dict(os.environ if environ is None else environ)
    data: dict[str, Any] = {}
    user = user_path or user_config_path()
    if user.is_file():
        data = _apply(data, _read_toml(user), str(user))
    project = project_config_path(workspace)
    if project.is_file():
        raw = project.read_bytes()  # read once: the bytes hashed are the bytes applied
        layer = parse_toml(raw, project)
        if not is_trusted(project, raw, trust_path):
            layer, dropped = _untrusted(layer, data, str(project))
            if dropped:
                (notice or _notice_on_stderr)(
                    f"limi-cli: ignoring {', '.join(dropped)} from {project}: this project's config is not trusted; "
                    f"review the file, then run `limi-cli trust --cwd {workspace}` to apply it"
                )
        data = _apply(data, layer, str(project))
    data = _apply(data, _env_layer(environ), ENV_SOURCE)
    flags = {k: v for k, v in (overrides or {}).items() if v is not None}
    data = _apply(data, flags, FLAGS_SOURCE)
    return Config.model_validate(data)
