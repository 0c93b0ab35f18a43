"""A local Hugging Face checkpoint (a full model dir or a LoRA adapter dir) run by transformers.

This is how a fine-tuned model is tried right after training: the prompt is the tokenizer's
own chat template over :func:`agent.toolprompt.render_messages` (the text tool protocol,
the same text the model was trained on), and replies are parsed with
:class:`~agent.toolprompt.StreamingReplyParser`. Generation runs in a background thread
and streams through ``TextIteratorStreamer``. The KV cache of the previous call is kept
and cropped to the common token prefix, so a turn that extends the conversation only
pays for its new tokens.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Iterator

from agent.backends.base import BackendError, Chunk, TextProtocolReply, UsageChunk
from agent.messages import Message, Sampling, ToolSpec, Usage
from agent.toolprompt import render_messages


class HFBackend:
    """A transformers causal LM loaded from a local directory."""

    name = "hf"
    tool_prompt = "full"  # set by make_backend from the tool_prompt setting and the model's context

    def __init__(self, path: Path, device: str = "auto"):
        try:
            import torch
            import transformers
        except ImportError:
            raise BackendError("torch and transformers are not installed: run `pip install 'limi-cli[hf]'`") from None
        self._torch, self._transformers = torch, transformers
        self.path = Path(path).expanduser()
        if not self.path.is_dir():
            raise BackendError(f"model directory {self.path} does not exist; pass a Hugging Face checkpoint directory")
        adapter_cfg = self.path / "adapter_config.json"
        if not adapter_cfg.is_file() and not (self.path / "config.json").is_file():
            raise BackendError(
                f"{self.path} has neither config.json nor adapter_config.json; pass a model or LoRA adapter directory"
            )
        self.model = self.path.name
        self.device = _pick_device(torch, device)
        self.dtype = _pick_dtype(torch, self.device)
        self.base_path: str | None = None
        if adapter_cfg.is_file():
            self.base_path = _adapter_base(adapter_cfg)
            self.hf_model = self._load_adapter(self.base_path)
        else:
            self.hf_model = self._load_model(str(self.path))
        self.hf_model.eval()
        self.tokenizer = self._load_tokenizer()
        if not getattr(self.tokenizer, "chat_template", None):
            raise BackendError(f"the tokenizer of {self.path} has no chat template; save one with the tokenizer")
        self._lock = threading.Lock()  # one model, one generation at a time
        self._cache: Any = None  # DynamicCache of the previous call
        self._cache_ids: list[int] = []  # the tokens whose keys/values the cache holds
        self._reuse = True  # off for caches that cannot be cropped exactly (sliding windows)

    # -- loading -----------------------------------------------------------------

    def _load_model(self, where: str):
        try:
            model = self._transformers.AutoModelForCausalLM.from_pretrained(where, dtype=self.dtype)
        except Exception as e:  # transformers raises many kinds; the user needs one line
            raise BackendError(f"cannot load the model from {where}: {_one_line(e)}") from None
        return model.to(self.device)

    def _load_adapter(self, base: str):
        try:
            import peft
        except ImportError:
            raise BackendError(f"{self.path} is a LoRA adapter and peft is not installed: run `pip install peft`") from None
        model = self._load_model(base)
        try:
            return peft.PeftModel.from_pretrained(model, str(self.path)).to(self.device)
        except Exception as e:
            raise BackendError(f"cannot load the LoRA adapter {self.path} onto {base}: {_one_line(e)}") from None

    def _load_tokenizer(self):
        """The adapter dir's own tokenizer when it saved one (training may add a template), else the base's."""
        candidates = [self.path] if (self.path / "tokenizer_config.json").is_file() or self.base_path is None else []
        if self.base_path is not None:
            candidates.append(self.base_path)
        error = ""
        for where in candidates:
            try:
                return self._transformers.AutoTokenizer.from_pretrained(str(where))
            except Exception as e:
                error = _one_line(e)
        raise BackendError(f"cannot load a tokenizer from {candidates[-1]}: {error}")

    @property
    def context_window(self) -> int | None:
        return getattr(self.hf_model.config, "max_position_embeddings", None)

    def describe(self) -> dict:
        info = {"model_path": str(self.path), "device": str(self.device), "dtype": str(self.dtype).removeprefix("torch.")}
        if self.base_path:
            info["base_model"] = self.base_path
        info["context_window"] = self.context_window
        info["tool_protocol"] = "text"
        info["tool_prompt"] = self.tool_prompt
        return info

    # -- generation --------------------------------------------------------------

    def render(self, messages: list[Message], tools: list[ToolSpec]) -> str:
        flat = render_messages(messages, tools, self.tool_prompt)
        try:
            return self.tokenizer.apply_chat_template(flat, tokenize=False, add_generation_prompt=True)
        except Exception as e:  # jinja errors, raise_exception() in the template
            raise BackendError(f"the chat template of {self.path} rejected the conversation: {_one_line(e)}") from None

    def stream(self, messages: list[Message], tools: list[ToolSpec], sampling: Sampling) -> Iterator[Chunk]:
        torch = self._torch
        ids = self.tokenizer(self.render(messages, tools), add_special_tokens=False)["input_ids"]
        limit = self.context_window
        if limit and len(ids) >= limit - 16:
            raise BackendError(
                f"the conversation is {len(ids)} tokens, beyond this model's context of {limit}; start a new session"
            )
        max_new = min(sampling.max_tokens, limit - len(ids)) if limit else sampling.max_tokens
        with self._lock:
            cache, cached = self._prepare_cache(ids)
            self._cache, self._cache_ids = None, []  # generate mutates it: kept only if the call completes
            streamer = self._transformers.TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
            stop = threading.Event()  # set when the consumer walks away: generation ends early
            result: dict[str, Any] = {}
            kwargs: dict[str, Any] = dict(
                input_ids=torch.tensor([ids], device=self.device),
                attention_mask=torch.ones((1, len(ids)), dtype=torch.long, device=self.device),
                max_new_tokens=max_new,
                do_sample=sampling.temperature > 0,
                streamer=streamer,
                stopping_criteria=self._transformers.StoppingCriteriaList([_StopOnEvent(stop, torch)]),
                pad_token_id=_first_int(self.tokenizer.pad_token_id, self.tokenizer.eos_token_id),
                eos_token_id=self._eos_ids(),
            )
            if sampling.temperature > 0:
                kwargs.update(temperature=sampling.temperature, top_p=sampling.top_p)
            else:  # greedy: silence the checkpoint's sampling defaults
                kwargs.update(temperature=None, top_p=None, top_k=None)
            if cache is not None:
                kwargs[_cache_kwarg(self._transformers)] = cache
            if sampling.seed is not None:
                torch.manual_seed(sampling.seed)

            def run() -> None:
                try:
                    result["out"] = self.hf_model.generate(**kwargs)
                except BaseException as e:  # surfaced in the caller's thread
                    result["error"] = e
                    streamer.text_queue.put(streamer.stop_signal)

            worker = threading.Thread(target=run, name="hf-generate", daemon=True)
            worker.start()
            reply = TextProtocolReply()
            try:
                for piece in streamer:
                    yield from reply.feed(piece)
            finally:
                stop.set()
                worker.join()
            if "error" in result:
                raise BackendError(f"generation failed: {_one_line(result['error'])}")
            seq = result["out"][0].tolist()
            self._remember(cache, seq)
        generated = seq[len(ids):]
        yield from reply.finish()
        eos = set(self._eos_ids())
        finish = "tool_calls" if reply.calls else ("stop" if generated and generated[-1] in eos else "length")
        yield UsageChunk(
            usage=Usage(prompt_tokens=len(ids), completion_tokens=len(generated), cached_tokens=cached),
            finish_reason=finish,
        )

    def _eos_ids(self) -> list[int]:
        ids: list[int] = []
        for source in (getattr(self.hf_model, "generation_config", None), self.tokenizer):
            value = getattr(source, "eos_token_id", None)
            for i in value if isinstance(value, list) else [value]:
                if isinstance(i, int) and i not in ids:
                    ids.append(i)
        return ids

    def _prepare_cache(self, ids: list[int]) -> tuple[Any, int]:
        """Reuse the previous call's cache, cropped to the prefix it shares with ``ids``."""
        if not self._reuse:
            return None, 0
        if self._cache is None:
            return self._transformers.DynamicCache(), 0
        common = 0
        for a, b in zip(self._cache_ids, ids):
            if a != b:
                break
            common += 1
        common = min(common, len(ids) - 1)  # generate needs at least one new token to run
        if common <= 0:
            return self._transformers.DynamicCache(), 0
        try:
            drop = self._cache.get_seq_length() - common
            if drop > 0:
                self._cache.crop(-drop)  # negative: "remove this many" in every transformers version
        except Exception:
            return self._transformers.DynamicCache(), 0
        return self._cache, common

    def _remember(self, cache: Any, seq: list[int]) -> None:
        if cache is None:
            return
        layers = getattr(cache, "layers", None)
        if layers is None or any(type(layer).__name__ != "DynamicLayer" for layer in layers):
            self._reuse, self._cache, self._cache_ids = False, None, []
            return
        self._cache, self._cache_ids = cache, seq[: cache.get_seq_length()]


class _StopOnEvent:
    """A stopping criterion that ends generation once ``event`` is set."""

    def __init__(self, event: threading.Event, torch: Any):
        self.event, self.torch = event, torch

    def __call__(self, input_ids, scores, **kwargs):
        return self.torch.full((input_ids.shape[0],), self.event.is_set(), dtype=self.torch.bool, device=input_ids.device)


def _cache_kwarg(transformers: Any) -> str:
    """``cache`` in recent transformers, ``past_key_values`` before it was renamed."""
    output = transformers.generation.utils.GenerateDecoderOnlyOutput
    return "cache" if "cache" in getattr(output, "__dataclass_fields__", {}) else "past_key_values"


def _adapter_base(adapter_cfg: Path) -> str:
    try:
        base = json.loads(adapter_cfg.read_text(encoding="utf-8")).get("base_model_name_or_path")
    except (OSError, json.JSONDecodeError) as e:
        raise BackendError(f"{adapter_cfg} is not readable JSON ({_one_line(e)}); re-save the adapter") from None
    if not base:
        raise BackendError(f"{adapter_cfg} names no base_model_name_or_path; set it to the base model directory")
    local = Path(base).expanduser()
    if not local.is_absolute():
        relative = (adapter_cfg.parent / local).resolve()
        local = relative if relative.is_dir() else local
    return str(local) if local.is_dir() else base


def _pick_device(torch: Any, device: str) -> str:
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise BackendError(f"device {device!r} was asked for but no CUDA GPU is available; use device = \"cpu\"")
    return device


def _pick_dtype(torch: Any, device: str):
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def _first_int(*values: Any) -> int | None:
    return next((v for v in values if isinstance(v, int)), None)


def _one_line(e: object, limit: int = 300) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
