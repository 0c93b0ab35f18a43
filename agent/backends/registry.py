"""Choose and build the backend a config asks for. Heavy libraries load only here, on demand."""

from __future__ import annotations

from pathlib import Path

from agent.backends.base import Backend, BackendError
from agent.config import Config

def resolve_backend(config: Config) -> tuple[str, str]:
    """Return (backend kind, model) for a config: kind is embedded, gguf, openai or hf."""
    model = config.model
    for prefix, kind in (("openai:", "openai"), ("hf:", "hf"), ("gguf:", "gguf"), ("scripted:", "scripted")):
        if model.startswith(prefix):
            return kind, model[len(prefix):]
    if config.backend == "openai":
        return "openai", model
    if config.backend == "hf":
        return "hf", model
    if model == "embedded":
        return "embedded", model
    if model.endswith(".gguf"):
        return "gguf", model
    if Path(model).expanduser().is_dir():
        return "hf", model
    if config.base_url:
        return "openai", model
    raise BackendError(
        f"model {model!r} is not 'embedded', a .gguf file or a checkpoint directory, and no server is set: "
        "set base_url (or LIMI_BASE_URL) to use a served model, or pass --model embedded"
    )


def expected_context_window(config: Config) -> int | None:
    """The context window the configured model will have, known without loading it: the
    ``context_window`` key, else ``n_ctx`` for llama.cpp models (embedded, .gguf), else None."""
    if config.context_window:
        return config.context_window
    try:
        kind, _ = resolve_backend(config)
    except BackendError:
        return None
    return config.n_ctx if kind in ("embedded", "gguf") else None


def make_backend(config: Config) -> Backend:
    kind, model = resolve_backend(config)
    if kind == "scripted":
        return _scripted(Path(model).expanduser())
    if kind in ("embedded", "gguf"):
        from agent.backends.embedded import LlamaCppBackend

        path = None if kind == "embedded" else Path(model).expanduser()
        if path is not None and not path.is_file():
            raise BackendError(f"model file {path} does not exist; pass an existing .gguf file")
        return LlamaCppBackend(path, n_ctx=config.n_ctx, n_threads=config.n_threads)
    if kind == "openai":
        from agent.backends.openai_compat import OpenAIBackend

        if not config.base_url:
            raise BackendError("an OpenAI-compatible model needs a server: set base_url or LIMI_BASE_URL")
        return OpenAIBackend(
            base_url=config.base_url,
            model=model,
            api_key=config.api_key,
            tool_protocol=config.tool_protocol,
            timeout_s=config.request_timeout_s,
            max_retries=config.max_retries,
        )
    from agent.backends.hf import HFBackend

    return HFBackend(Path(model).expanduser(), device=config.device)


def _scripted(path: Path) -> Backend:
    """Replies written in advance: a JSON list of raw model replies (``<tool_call>`` blocks
    included), played in order. For reproducible demos and tests of the front ends."""
    import json

    from agent.backends.scripted import ScriptedBackend

    try:
        replies = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise BackendError(f"scripted model {path}: cannot read a JSON list of replies ({e})") from None
    if not isinstance(replies, list) or not all(isinstance(r, str) for r in replies):
        raise BackendError(f"scripted model {path}: expected a JSON list of strings")
    return ScriptedBackend(replies, model=f"scripted:{path.name}")
