"""Choose and build the backend a config asks for. Heavy libraries load only here, on demand."""

from __future__ import annotations

from pathlib import Path

from agent.backends.base import Backend, BackendError
from agent.config import Config
from agent.model_files import ADAPTER_GGUF, BASE_MARKER, recorded_scale, runnable_adapter

SERVER_MODELS_TIMEOUT_S = 10.0


def model_is_implicit(config: Config) -> bool:
    """A server is set but no layer (file, LIMI_MODEL, -m) named a model: the server's is meant."""
    return bool(config.base_url) and "model" not in config.model_fields_set


def server_model(base_url: str, api_key: str | None = None) -> str:
    """The one model an OpenAI-compatible server lists at ``/models``; a one-line BackendError
    when it lists none or several (then ``-m`` must choose) or cannot be asked."""
    import json
    import urllib.error
    import urllib.request

    url = base_url.rstrip("/") + "/models"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {api_key}"} if api_key else {})
    try:
        with urllib.request.urlopen(request, timeout=SERVER_MODELS_TIMEOUT_S) as response:
            body = json.loads(response.read().decode("utf-8", errors="replace"))
        ids = [m["id"] for m in body.get("data", []) if isinstance(m, dict) and isinstance(m.get("id"), str)]
    except (OSError, ValueError, AttributeError, urllib.error.URLError) as e:
        raise BackendError(f"--base-url {base_url} is set without -m, and its model list ({url}) could not be read "
                           f"({getattr(e, 'reason', e)}); pass -m MODEL") from None
    if len(ids) != 1:
        listed = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
        raise BackendError(f"--base-url {base_url} serves {len(ids)} models ({listed or 'none'}); choose one with -m MODEL")
    return ids[0]


def resolve_backend(config: Config) -> tuple[str, str]:
    """Return (backend kind, model) for a config: kind is embedded, gguf, openai or hf."""
    model = config.model
    if model_is_implicit(config):
        return "openai", model  # make_backend asks the server which model it serves
    for prefix, kind in (("openai:", "openai"), ("hf:", "hf"), ("gguf:", "gguf"), ("scripted:", "scripted")):
        if model.startswith(prefix):
            return kind, model[len(prefix):]
    if config.backend == "openai":
        return "openai", model
    if config.backend == "hf":
        return "hf", model
    if model in ("embedded", "embedded-base"):
        return "embedded", model
    if model.endswith(".gguf"):
        return "gguf", model
    if Path(model).expanduser().is_dir():
        return _directory_kind(model), model
    if config.base_url:
        return "openai", model
    raise BackendError(
        f"model {model!r} is not 'embedded', a .gguf file or a checkpoint directory, and no server is set: "
        "set base_url (or LIMI_BASE_URL) to use a served model, or pass --model embedded"
    )


def _directory_kind(model: str) -> str:
    """A checkpoint directory runs on transformers ("hf"), except a LoRA adapter trained on a GGUF
    model that training also wrote as ``adapter.gguf`` with ``limi_base.json`` naming that GGUF:
    it runs on llama.cpp ("embedded" or "gguf", the kind of its base) with the adapter applied."""
    found = runnable_adapter(Path(model))
    return found[0] if found else "hf"


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
    """The backend for ``config``, with its tool-description style resolved (:func:`prompt_style_for`)."""
    from agent.compaction import context_window_of
    from agent.toolprompt import prompt_style_for

    backend = _make_backend(config)
    if hasattr(backend, "tool_prompt"):
        backend.tool_prompt = prompt_style_for(config.tool_prompt, context_window_of(backend, config.context_window))
    if hasattr(backend, "constrained_tool_calls"):
        backend.constrained_tool_calls = config.constrained_tool_calls
    if hasattr(backend, "call_repetition_block"):
        backend.call_repetition_block = config.call_repetition_block
    return backend


def _make_backend(config: Config) -> Backend:
    if model_is_implicit(config):
        config.model = server_model(config.base_url, config.api_key)  # the log and results name it
    kind, model = resolve_backend(config)
    if kind == "scripted":
        return _scripted(Path(model).expanduser())
    if kind in ("embedded", "gguf"):
        from agent.backends.embedded import LlamaCppBackend

        if model == "embedded":
            from agent.backends.embedded import TUNED_MODEL_NAME, shipped_adapter

            adapter = shipped_adapter()
            return LlamaCppBackend(None, n_ctx=config.n_ctx, n_threads=config.n_threads, lora_path=adapter,
                                   lora_scale=_lora_scale(config, adapter.parent) if adapter else 1.0,
                                   name=TUNED_MODEL_NAME if adapter else None)
        if model != "embedded-base" and Path(model).expanduser().is_dir():
            return _gguf_adapter(Path(model).expanduser(), config)
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
            connect_timeout_s=config.connect_timeout_s,
            max_retries=config.max_retries,
            max_retry_wait_s=config.max_retry_wait_s,
        )
    from agent.backends.hf import HFBackend

    return HFBackend(Path(model).expanduser(), device=config.device)


def _gguf_adapter(model_dir: Path, config: Config) -> Backend:
    """A LoRA adapter directory on llama.cpp: its base GGUF with ``adapter.gguf`` applied."""
    from agent.backends.embedded import LlamaCppBackend

    found = runnable_adapter(model_dir)
    if found is None:
        raise BackendError(
            f"{model_dir} is not a llama.cpp LoRA adapter (needs {ADAPTER_GGUF} and {BASE_MARKER} naming an existing GGUF); "
            f"run it with hf:{model_dir} instead"
        )
    kind, base, adapter = found
    return LlamaCppBackend(
        None if kind == "embedded" else base,
        n_ctx=config.n_ctx,
        n_threads=config.n_threads,
        lora_path=adapter,
        lora_scale=_lora_scale(config, model_dir),
        name=model_dir.resolve().name,
    )


def _lora_scale(config: Config, adapter_dir: Path) -> float:
    """The ``lora_scale`` setting, else the scale the adapter directory records, else 1."""
    if config.lora_scale is not None:
        return config.lora_scale
    recorded = recorded_scale(adapter_dir)
    return 1.0 if recorded is None else recorded


def _scripted(path: Path) -> Backend:
    """Replies written in advance: a JSON list of raw model replies (``<tool_call>`` blocks
    included), played in order, or ``{"replies": [...], "delay_s": 0.05}`` to stream each chunk
    that much apart (``"concurrent": true``: subagents may call it side by side). A reply may be
    ``{"when": TEXT, "reply": TEXT}``: only for a session whose task contains ``when`` (see
    :mod:`agent.backends.scripted`). For reproducible demos and tests of the front ends."""
    import json

    from agent.backends.scripted import ScriptedBackend

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise BackendError(f"scripted model {path}: cannot read a JSON list of replies ({e})") from None
    replies, delay = (data.get("replies"), data.get("delay_s", 0.0)) if isinstance(data, dict) else (data, 0.0)
    concurrent = data.get("concurrent", False) if isinstance(data, dict) else False

    def fits(r: object) -> bool:
        return isinstance(r, str) or (isinstance(r, dict) and set(r) == {"when", "reply"}
                                      and all(isinstance(v, str) for v in r.values()))

    if (not isinstance(replies, list) or not all(fits(r) for r in replies) or not isinstance(delay, (int, float))
            or not isinstance(concurrent, bool)):
        raise BackendError(f"scripted model {path}: expected a JSON list of strings (or {{\"replies\": [...], \"delay_s\": N}})")
    return ScriptedBackend(replies, model=f"scripted:{path.name}", delay_s=float(delay), concurrent=concurrent)
