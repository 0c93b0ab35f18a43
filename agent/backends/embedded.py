"""The embedded default model: SmolLM2-135M-Instruct (GGUF) run in-process by llama.cpp.

No server, no key, no network. The prompt is rendered with the model's own chat template
(read from the GGUF) over the text tool protocol of :mod:`agent.toolprompt`. llama.cpp
keeps the KV cache of the previous call and only evaluates the tokens after the longest
common prefix, so each turn costs its new tokens, not the whole history.

Decoding (:class:`_Decoding`) runs token by token and switches sampling at the protocol's tags:

- outside ``<tool_call>`` blocks the text is free, with a repeat penalty, and a
  :class:`~agent.backends.repetition.RepetitionGuard` ends a reply that starts writing
  again what it already wrote (``finish_reason`` ``repetition``);
- once the text ends with ``<tool_call>``, generation goes on under a grammar
  (:mod:`agent.backends.grammar`, ``constrained_tool_calls``) that admits only a JSON call
  to an offered tool with its required arguments, then ``</tool_call>``; no repeat penalty
  there (JSON repeats its quotes and braces); instead a
  :class:`~agent.backends.repetition.CallRepetitionGuard` watches each string value, and one
  that ends in the same stretch over and over (``\\n\\ndef (*)():`` until the token limit) is cut
  where the repetition began, the JSON closed and generation stopped: the call is run, its
  result says what was cut (``finish_reason`` ``repetition``); then free text again, or the end.

Each switch is a new ``Llama.generate`` over the tokens so far, which extend the evaluated
ones: llama.cpp keeps its KV cache and evaluates only the token sampled last, no re-prefill.
"""

from __future__ import annotations

import codecs
import contextlib
import random
import threading
from pathlib import Path
from typing import Iterator

from agent.backends.base import BackendError, Chunk, TextProtocolReply, UsageChunk
from agent.backends.grammar import GrammarError, check_grammar, tool_call_grammar
from agent.backends.repetition import DEFAULT_BLOCK, CallRepetitionGuard, RepetitionGuard
from agent.backends.threads import default_threads
from agent.chat_template import render_chat
from agent.llama_cpu import import_llama_cpp
from agent.messages import Message, Sampling, ToolSpec, Usage
from agent.model_files import embedded_gguf_path
from agent.toolprompt import CLOSE, OPEN, render_messages

EMBEDDED_MODEL_NAME = "SmolLM2-135M-Instruct"
TUNED_MODEL_NAME = "SmolLM2-135M-Instruct + limi LoRA"
# the LoRA adapter limi-cli ships for the embedded model (trained on demos/, see its README.md):
# `--model embedded` runs the base with it applied, `--model embedded-base` without it
SHIPPED_ADAPTER_DIR = Path(__file__).resolve().parent.parent / "models" / "limi-smollm2"
# sampling outside tool calls: a mild repeat penalty over the last REPEAT_LAST_N generated tokens
# (llama.cpp's own default is 1.0, off, and SmolLM2 then repeats whole paragraphs); with top_k and
# min_p as llama-cpp-python's create_completion has them
REPEAT_PENALTY = 1.1
REPEAT_LAST_N = 256
TOP_K, MIN_P = 40, 0.05


def shipped_adapter() -> Path | None:
    """The shipped GGUF LoRA adapter of the embedded model, if this installation has it."""
    path = SHIPPED_ADAPTER_DIR / "adapter.gguf"
    return path if path.is_file() else None


class LlamaCppBackend:
    """Any GGUF file through llama-cpp-python, optionally with a GGUF LoRA adapter applied at load
    time; the embedded default is one instance."""

    name = "embedded"
    tool_prompt = "full"  # set by make_backend from the tool_prompt setting
    constrained_tool_calls = True  # set by make_backend from the constrained_tool_calls setting

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        n_ctx: int = 8192,
        n_threads: int | None = None,
        lora_path: Path | None = None,
        lora_scale: float = 1.0,
        name: str | None = None,
        repeat_penalty: float = REPEAT_PENALTY,
        repetition_block: int = DEFAULT_BLOCK,
        call_repetition_block: int = DEFAULT_BLOCK,
    ):
        """``lora_path``: a GGUF LoRA adapter (see :mod:`agent.model_files`) applied at load
        time with weight ``lora_scale``; ``name``: what the log records as the model;
        ``repeat_penalty`` (1.0: off) and ``repetition_block`` (characters repeated verbatim that
        end a reply; 0: off) apply to the text outside tool calls; ``call_repetition_block``
        (0: off) to the string values inside them: one that repeats a stretch back-to-back, three
        copies spanning three blocks of that many characters, is cut there and the call closed."""
        try:
            Llama = import_llama_cpp().Llama
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
        self.repeat_penalty, self.repetition_block = repeat_penalty, repetition_block
        self.call_repetition_block = call_repetition_block
        self._grammars: dict[str, object] = {}  # GBNF text -> LlamaGrammar, checked once
        try:
            self.llm = Llama(
                model_path=str(self.path),
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                n_batch=512,
                last_n_tokens_size=REPEAT_LAST_N,
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
        info = {"model_path": str(self.path), "n_ctx": self.n_ctx, "tool_protocol": "text", "tool_prompt": self.tool_prompt,
                "constrained_tool_calls": self.constrained_tool_calls, "repeat_penalty": self.repeat_penalty,
                "repeat_last_n": REPEAT_LAST_N, "repetition_block": self.repetition_block,
                "call_repetition_block": self.call_repetition_block}
        if self.lora_path is not None:
            info.update(lora_path=str(self.lora_path), lora_scale=self.lora_scale)
        return info

    def render(self, messages: list[Message], tools: list[ToolSpec]) -> str:
        flat = render_messages(messages, tools, self.tool_prompt)
        return render_chat(self.template, flat, add_generation_prompt=True, bos_token=self.bos, eos_token=self.eos)

    def tokenize(self, text: str) -> list[int]:
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def call_grammar(self, tools: list[ToolSpec]):
        """The ``LlamaGrammar`` for a call to one of ``tools`` (None: no tools, or switched off)."""
        if not tools or not self.constrained_tool_calls:
            return None
        text = tool_call_grammar(tools)
        grammar = self._grammars.get(text)
        if grammar is None:
            from llama_cpp import LlamaGrammar

            try:
                check_grammar(self.llm, text)  # llama.cpp would abort on a grammar it cannot parse
            except GrammarError as e:
                raise BackendError(f"{e}; set constrained_tool_calls = false to run without it") from None
            grammar = self._grammars[text] = LlamaGrammar.from_string(text, verbose=False)
        return grammar

    def stream(self, messages: list[Message], tools: list[ToolSpec], sampling: Sampling, *, start: str = "") -> Iterator[Chunk]:
        """One reply. ``start``: text the reply begins with, as if the model had written it
        (a prefill; ``"<tool_call>"`` makes it write a call): it is part of the reply."""
        tokens = self.tokenize(self.render(messages, tools) + start)
        room = self.n_ctx - len(tokens)
        if room < 16:
            raise BackendError(
                f"the conversation is {len(tokens)} tokens, beyond this model's context of {self.n_ctx}; "
                "start a new session or raise n_ctx in the config"
            )
        grammar = self.call_grammar(tools)
        with self._lock:
            cached = self._cached_prefix(tokens)
            # (room - 8: a tag that ends inside a token is re-tokenized, which may add a token or two)
            in_call = _open_call(start)
            raw = start.encode("utf-8")
            # a start that ends in part of a tag ("<tool_"): the decoding decides that part with what comes next
            held = 0 if in_call is not None else max(_held_prefix(raw, _OPEN), _held_prefix(raw, _STOP))
            decoding = self._decoding(tokens, sampling, max_tokens=min(sampling.max_tokens, room - 8), grammar=grammar,
                                      in_call=in_call, held=raw[len(raw) - held:])
            reply = TextProtocolReply()
            yield from reply.feed(raw[: len(raw) - held].decode("utf-8", errors="replace"))
            for text in decoding.run():
                yield from reply.feed(text)
        for chunk in reply.finish():
            if decoding.call_cut and chunk.kind == "tool_call" and chunk.call is reply.calls[-1]:
                chunk.call.note, chunk.call.error = decoding.call_cut, decoding.call_cut_error
            yield chunk
        # a reply the guard cut says so, calls or not
        finish = "tool_calls" if reply.calls and decoding.finish != "repetition" else decoding.finish
        yield UsageChunk(
            usage=Usage(prompt_tokens=len(tokens), completion_tokens=decoding.sampled, cached_tokens=cached),
            finish_reason=finish,
        )

    def _cached_prefix(self, tokens: list[int]) -> int:
        """How many of ``tokens`` the KV cache holds already."""
        return _common_prefix(self.llm.input_ids[: self.llm.n_tokens], tokens)

    def _decoding(self, tokens: list[int], sampling: Sampling, **kw) -> _Decoding:
        """The decoding of one reply (:mod:`agent.backends.llama_batch` feeds it from a batch slot)."""
        return _Decoding(self, tokens, sampling, **kw)


_OPEN, _STOP = OPEN.encode(), b"<|im_start|>"  # a new turn written out as text ends the reply too


class _Decoding:
    """One reply, token by token: free text (repeat penalty, repetition guard) and, after each
    ``<tool_call>``, the call under ``grammar`` (None: unconstrained) without the penalty.

    :meth:`run` yields the reply's text in order; :attr:`sampled` counts the tokens sampled,
    :attr:`finish` says why it ended: ``stop`` (end of turn), ``length`` (``max_tokens``) or
    ``repetition`` (a guard cut it); :attr:`call_cut` is the note for a call whose string value
    the call guard cut (the reply's last call), else None.
    """

    def __init__(self, backend: LlamaCppBackend, prompt: list[int], sampling: Sampling, *, max_tokens: int, grammar=None,
                 in_call: str | None = None, held: bytes = b""):
        import llama_cpp

        self.llm, self.lib = backend.llm, llama_cpp
        self.tokens = list(prompt)  # the prompt and the reply so far, as the model sees them
        self.sampling, self.max_tokens, self.grammar = sampling, max_tokens, grammar
        self.call_grammar = grammar
        self.repeat_penalty = backend.repeat_penalty if sampling.repeat_penalty is None else sampling.repeat_penalty
        self.guard = RepetitionGuard(backend.repetition_block)
        self.call_block = backend.call_repetition_block
        self.call_cut: str | None = None
        self.call_cut_error: str | None = None  # the cut left nothing of the value: the call is not run
        self.utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.sampled = 0
        self.finish: str | None = None
        # the prompt ends inside a <tool_call> block, after ``in_call``: right after the tag, the grammar
        # applies; with some of the call written, it goes on unconstrained (the grammar starts at the tag)
        self.in_call = in_call is not None
        self._call_so_far = in_call or ""
        self._held = held  # the end of the prompt that may begin a tag, not shown yet
        if self._call_so_far.strip():
            self.grammar = None
        self.seed = sampling.seed if sampling.seed is not None else random.randint(0, 2**31 - 1)

    def run(self) -> Iterator[str]:
        while self.finish is None:
            if self.in_call:
                yield from self._call()
                self.grammar = self.call_grammar  # a call begun by the prompt may have run unconstrained
            if self.finish is None:
                self.in_call = yield from self._free()
        if self.guard.tripped:
            self.finish = "repetition"
        elif tail := self.guard.flush():
            yield tail

    def _sample(self, grammar, repeat_penalty: float) -> Iterator[bytes]:
        """The next tokens' bytes, each token already added to :attr:`tokens`; sets :attr:`finish`
        at the end of the turn (any control token) or at ``max_tokens``."""
        vocab = self.llm._model.vocab
        if self.sampled >= self.max_tokens:
            self.finish = "length"
            return
        generator = self._tokens(grammar, repeat_penalty)
        try:
            for token in generator:
                if self.lib.llama_vocab_is_eog(vocab, token) or self.lib.llama_vocab_is_control(vocab, token):
                    self.finish = "stop"
                    return
                self.sampled += 1
                self.tokens.append(token)
                yield self.llm.detokenize([token])
                if self.sampled >= self.max_tokens:
                    self.finish = "length"
                    return
        finally:
            generator.close()

    def _tokens(self, grammar, repeat_penalty: float) -> Iterator[int]:
        """The token source: the tokens sampled after :attr:`tokens` (llama-cpp-python's own
        generation here; :mod:`agent.backends.llama_batch` decodes a batch slot instead)."""
        s = self.sampling
        self.llm.set_seed(self.seed)
        return self.llm.generate(self.tokens, top_k=TOP_K, top_p=s.top_p, min_p=MIN_P, temp=s.temperature,
                                 repeat_penalty=repeat_penalty, grammar=grammar)

    def _free(self) -> Iterator[str]:
        """Free text until ``<tool_call>`` (returns True: a call starts), the end, or a repeat."""
        held, self._held = self._held, b""  # bytes that may be the start of a marker, held back until decided
        with contextlib.closing(self._sample(None, self.repeat_penalty)) as pieces:
            for piece in pieces:
                buf = held + piece
                at = [(i, m) for m in (_OPEN, _STOP) if (i := buf.find(m)) >= 0]
                if at:
                    i, marker = min(at)
                    if shown := self.guard.feed(self.utf8.decode(buf[:i])):
                        yield shown
                    if marker == _STOP:
                        self.finish = "stop"
                        return False
                    if extra := len(buf) - i - len(_OPEN):  # the last token went on past the tag: end the tokens at it
                        self.tokens.pop()
                        self.tokens += self.llm.tokenize(piece[: len(piece) - extra], add_bos=False, special=False)
                    if before := self.guard.barrier():
                        yield before
                    yield OPEN
                    return True
                keep = len(buf) - max(_held_prefix(buf, _OPEN), _held_prefix(buf, _STOP))
                held = buf[keep:]
                if shown := self.guard.feed(self.utf8.decode(buf[:keep])):
                    yield shown
                if self.guard.tripped:
                    self.finish = "repetition"
                    return False
        if held and (shown := self.guard.feed(self.utf8.decode(held))):
            yield shown
        if tail := self.utf8.decode(b"", final=True):
            yield self.guard.feed(tail)
        return False

    def _call(self) -> Iterator[str]:
        """The inside of a call, until ``</tool_call>`` outside a JSON string (or the end). Its
        text is held back until then (the reply shows no call text before the call ends): a string
        value that starts repeating itself is cut, the call closed and the reply ended."""
        end = _CallEnd()
        end.feed(self._call_so_far)
        guard = CallRepetitionGuard(self.call_block)
        guard.feed(self._call_so_far, sent=True)  # (yielded already, with the prompt's start)
        self._call_so_far = ""
        with contextlib.closing(self._sample(self.grammar, 1.0)) as pieces:
            for piece in pieces:
                text = self.utf8.decode(piece)
                cut = end.feed(text)
                guard.feed(text if cut < 0 else text[:cut])
                if guard.tripped:
                    self.finish = "repetition"
                    self.call_cut = _cut_note(guard.argument, guard.at)
                    if not guard.kept.strip():  # run, it would write an empty file over one
                        self.call_cut_error = (f"the argument `{guard.argument}` was one stretch written over and "
                                               "over from its start; the call was cut and not run")
                    yield guard.salvage()
                    return
                if cut >= 0:
                    yield guard.take()
                    if text[cut:]:  # unconstrained, the token went on past the tag: free text again
                        yield self.guard.feed(text[cut:])
                    return
        yield guard.take()  # the end of the turn or the token limit, inside the call


def _cut_note(argument: str, at: int) -> str:
    what = f"the argument `{argument}`" if argument else "a string in the call"
    return f"[{what} repeated itself from character {at:,} on and was cut there]"


def _open_call(start: str) -> str | None:
    """The text after the last ``<tool_call>`` of ``start`` when the block is still open, else None."""
    at = start.rfind(OPEN)
    return None if at < 0 or start.rfind(CLOSE) > at else start[at + len(OPEN):]


def _held_prefix(buf: bytes, marker: bytes) -> int:
    """How many bytes at the end of ``buf`` are a proper prefix of ``marker``."""
    for k in range(min(len(marker) - 1, len(buf)), 0, -1):
        if buf.endswith(marker[:k]):
            return k
    return 0


class _CallEnd:
    """Finds ``</tool_call>`` outside JSON strings in a call's streamed text, as the reply
    parser does (:class:`agent.toolprompt.StreamingReplyParser`: a raw newline ends a string)."""

    def __init__(self) -> None:
        self.in_string = self.escape = False
        self.recent = ""  # the last characters outside strings, for a tag split across pieces

    def feed(self, text: str) -> int:
        """Where in ``text`` the closing tag ends, or -1."""
        for i, c in enumerate(text):
            if self.in_string:
                if self.escape:
                    self.escape = False
                elif c == "\\":
                    self.escape = True
                elif c in '"\n':
                    self.in_string = False
                continue
            if c == '"':
                self.in_string, self.recent = True, ""
                continue
            self.recent = (self.recent + c)[-len(CLOSE):]
            if self.recent == CLOSE:
                return i + 1
        return -1


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
