"""The embedded default model: SmolLM2-135M-Instruct (GGUF) run in-process by llama.cpp.

No server, no key, no network. The prompt is rendered with the model's own chat template
(read from the GGUF) over the text tool protocol of :mod:`agent.toolprompt`. llama.cpp
keeps the KV cache of the previous call and only evaluates the tokens after the longest
common prefix, so each turn costs its new tokens, not the whole history.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterator

from agent.backends.base import BackendError, Chunk, TextProtocolReply, UsageChunk
from agent.backends.threads import default_threads
from agent.chat_template import render_chat
from agent.messages import Message, Sampling, ToolSpec, Usage
from agent.model_files import embedded_gguf_path
from agent.toolprompt import render_messages

EMBEDDED_MODEL_NAME = "SmolLM2-135M-Instruct"
TUNED_MODEL_NAME = "SmolLM2-135M-Instruct + limi LoRA"
# the LoRA adapter limi-cli ships for the embedded model (trained on demos/, see its README.md):
# `--model embedded` runs the base with it applied, `--model embedded-base` without it
SHIPPED_ADAPTER_DIR = Path(__file__).resolve().parent.parent / "models" / "limi-smollm2"


def shipped_adapter() -> Path | None:
    """The shipped GGUF LoRA adapter of the embedded model, if this installation has it."""
    path = SHIPPED_ADAPTER_DIR / "adapter.gguf"
    return path if path.is_file() else None


class LlamaCppBackend:
    """Any GGUF file through llama-cpp-python, optionally with a GGUF LoRA adapter applied at load
    time; the embedded default is one instance."""

    name = "embedded"
    tool_prompt = "full"  # set by make_backend from the tool_prompt setting

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        n_ctx: int = 8192,
        n_threads: int | None = None,
        lora_path: Path | None = None,
        lora_scale: float = 1.0,
        name: str | None = None,
    ):
        """``lora_path``: a GGUF LoRA adapter (see :mod:`agent.model_files`) applied at load
        time with weight ``lora_scale``; ``name``: what the log records as the model."""
        try:
            from llama_cpp import Llama
        except ImportError:
            raise BackendError("llama-cpp-python is not installed: run `pip install llama-cpp-python`") from None
        self.path = Path(model_path) if model_path else embedded_gguf_path()
        if not self.path.is_file():
            raise BackendError(f"model file {self.path} does not exist; pass a .gguf file")
        self.lora_path = Path(lora_path) if lora_path is not None else None
        self.lora_scale = lora_scale
        if self.lora_path is not None:
            _check_adapter_file(self.lora_path)
        self.model = name or (EMBEDDED_MODEL_NAME if model_path is None else self.path.name)
        self.n_ctx = n_ctx
        self.n_threads = threads = n_threads or default_threads()
        try:
            self.llm = Llama(
                model_path=str(self.path),
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                n_batch=512,
                lora_path=str(self.lora_path) if self.lora_path is not None else None,
                lora_scale=lora_scale,
                verbose=False,
            )
        except ValueError as e:
            if self.lora_path is not None and "LoRA" in str(e):
                raise BackendError(self._lora_refused()) from None
            raise
        # llama-cpp-python 0.3.x misses a failed adapter load (a NULL pointer is not None) and runs
        # the bare model: check the handle ourselves
        if self.lora_path is not None and not getattr(self.llm, "_lora_adapter", True):
            self.llm.close()
            raise BackendError(self._lora_refused())
        meta = self.llm.metadata
        self.template = meta.get("tokenizer.chat_template")
        if not self.template:
            raise BackendError(f"{self.path.name} has no chat template in its metadata; use a chat model's GGUF")
        vocab = self.llm
        self.bos = vocab.detokenize([vocab.token_bos()], special=True).decode("utf-8", "replace") if vocab.token_bos() >= 0 else ""
        self.eos = vocab.detokenize([vocab.token_eos()], special=True).decode("utf-8", "replace") if vocab.token_eos() >= 0 else ""
        self._lock = threading.Lock()  # one llama context: one call at a time

    def _lora_refused(self) -> str:
        return (
            f"llama.cpp cannot apply the LoRA adapter {self.lora_path} to {self.path.name} "
            "(an adapter for another model, or not a llama.cpp LoRA file); convert it from the PEFT adapter of this model"
        )

    def describe(self) -> dict:
        info = {"model_path": str(self.path), "n_ctx": self.n_ctx, "tool_protocol": "text", "tool_prompt": self.tool_prompt}
        if self.lora_path is not None:
            info.update(lora_path=str(self.lora_path), lora_scale=self.lora_scale)
        return info

    def render(self, messages: list[Message], tools: list[ToolSpec]) -> str:
        flat = render_messages(messages, tools, self.tool_prompt)
        return render_chat(self.template, flat, add_generation_prompt=True, bos_token=self.bos, eos_token=self.eos)

    def tokenize(self, text: str) -> list[int]:
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def stream(self, messages: list[Message], tools: list[ToolSpec], sampling: Sampling) -> Iterator[Chunk]:
        tokens = self.tokenize(self.render(messages, tools))
        room = self.n_ctx - len(tokens)
        if room < 16:
            raise BackendError(
                f"the conversation is {len(tokens)} tokens, beyond this model's context of {self.n_ctx}; "
                "start a new session or raise n_ctx in the config"
            )
        with self._lock:
            cached = _common_prefix(self.llm.input_ids[: self.llm.n_tokens], tokens)
            reply = TextProtocolReply()
            completion_tokens, finish = 0, None
            for part in self.llm.create_completion(
                tokens,
                max_tokens=min(sampling.max_tokens, room),
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                seed=sampling.seed,
                stop=["<|im_start|>"],
                stream=True,
            ):
                choice = part["choices"][0]
                if choice.get("finish_reason"):
                    finish = choice["finish_reason"]
                else:
                    completion_tokens += 1
                yield from reply.feed(choice["text"])
        yield from reply.finish()
        yield UsageChunk(
            usage=Usage(prompt_tokens=len(tokens), completion_tokens=completion_tokens, cached_tokens=cached),
            finish_reason="tool_calls" if reply.calls else finish,
        )


def _check_adapter_file(path: Path) -> None:
    """A LoRA adapter must be a readable GGUF file: say so in one line before llama.cpp tries it."""
    try:
        with path.open("rb") as f:
            magic = f.read(4)
    except FileNotFoundError:
        raise BackendError(f"LoRA adapter {path} does not exist; convert the PEFT adapter first (agent.model_files)") from None
    except OSError as e:
        raise BackendError(f"cannot read the LoRA adapter {path}: {e.strerror or e}") from None
    if magic != b"GGUF":
        raise BackendError(f"{path} is not a GGUF file; pass a GGUF LoRA adapter (converted from the PEFT adapter)")


def _common_prefix(a, b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
