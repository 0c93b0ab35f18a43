"""One loaded llama.cpp model serving several conversations at once.

A :class:`BatchEngine` owns one llama context with a KV cache stream per slot (``n_seq_max`` =
slots, ``kv_unified`` off: each sequence attends only to its own cells and has the full
``n_ctx`` of the single-sequence backend). A scheduler thread decodes for all slots: every slot
that is generating puts its next token into one ``llama_decode`` (on a CPU, a step for four
sequences costs little more than a step for one: the weights are read once), then each samples
with its own sampler chain and hands the token to the thread that asked for it. A slot with a
new prompt gets its prefill between those steps, one chunk per step.

The single-sequence backend's tokens come out unchanged, bit for bit, because every row is
computed as that backend computes it. llama.cpp's CPU kernels give a token the same logits
whatever else is in its batch only while the batch is small (up to 15 rows measured; a row of
a 16-row batch may differ in the first decimal), so generating slots decode together in groups
of at most ``DECODE_ROWS``, and a prefill chunk is decoded alone, cut where ``Llama.eval`` cuts
it: ``n_batch`` tokens at a time from the first token the cache does not hold.

Each slot keeps the tokens its KV cache holds; a new request on the slot reuses the longest
common prefix and removes the cells after it (``llama_memory_seq_rm``), as ``Llama.generate``
does for the single-sequence backend. A request's sampler chain is built by llama-cpp-python's
own ``Llama._init_sampler`` with the arguments ``Llama.generate`` gives it (penalties over the
tokens sampled in this request only, the grammar if any, then greedy at temperature 0, else
top-k, typical, top-p, min-p, temperature and a seeded distribution), so a slot samples what
the single-sequence backend would.

:class:`SharedLlamaBackend` is one slot as a :class:`~agent.backends.base.Backend`: the
embedded backend's ``stream`` with its token-by-token decoding (tags, the tool-call grammar, the
repetition guard) unchanged, fed by the engine instead of ``Llama.generate``. Threads that each
hold a slot's backend share the one model: :mod:`evaluation.batch` runs ``--workers N`` so for
in-process llama.cpp models.

llama_cpp is imported inside the code that needs it (start-up stays instant).
"""

from __future__ import annotations

import ctypes
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Iterator

from agent.backends.base import BackendError
from agent.backends.embedded import MIN_P, TOP_K, LlamaCppBackend, _common_prefix, _Decoding
from agent.messages import Sampling

N_BATCH = 512  # prefill chunk, as the single-sequence backend's n_batch (Llama.eval cuts the prompt so)
DECODE_ROWS = 8  # generating slots per llama_decode: small batches compute each row as a batch of one does
# how long a step waits for the slots that got a token in the last step to ask for the next one, so
# that they decode together (a thread asks within a millisecond unless its reply just ended)
GATHER_S = 0.05


@dataclass(eq=False)
class _Request:
    """One ``generate`` call on a slot: decode ``todo``, sample, hand the token over, repeat."""

    slot: int
    tokens: list[int]
    sampling: Sampling
    seed: int
    grammar: object | None
    repeat_penalty: float
    out: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)
    todo: list[int] = field(default_factory=list)  # tokens to decode before the next sample
    handed: bool = False  # a token was handed over; waiting for the thread to ask for the next one
    slow: bool = False  # it let a step go without it: the next steps do not wait for it until it asks
    closed: bool = False  # the thread stopped listening
    sampler: object | None = None  # llama-cpp-python's LlamaSampler (its chain), built by the scheduler
    since: float = 0.0  # when its prompt last got a prefill chunk (the longest waiting goes first)


@dataclass(eq=False)
class _Slot:
    seq: int
    cached: list[int] = field(default_factory=list)  # the tokens whose KV the slot's sequence holds
    request: _Request | None = None  # the active request (the scheduler's)
    incoming: _Request | None = None  # the next request, waiting to be admitted


class BatchEngine:
    """``slots`` sequences decoded together on the model of ``backend`` (a loaded
    :class:`LlamaCppBackend`); :meth:`backend` gives the backend of one slot. Call
    :meth:`close` when done (or use it as a context manager)."""

    def __init__(self, backend: LlamaCppBackend, slots: int, *, n_batch: int = N_BATCH, gather_s: float = GATHER_S):
        import llama_cpp

        if slots < 1:
            raise ValueError("slots must be at least 1")
        self.lib, self.base, self.slots = llama_cpp, backend, slots
        self.n_batch, self.gather_s = n_batch, gather_s
        llm = backend.llm
        if not hasattr(llm, "_init_sampler"):
            raise BackendError("this llama-cpp-python has no Llama._init_sampler; batched decoding needs 0.3.x")
        # the single-sequence context's settings (flash attention, KV types, rope, threads), with room for every slot
        params = llama_cpp.llama_context_params.from_buffer_copy(llm.context_params)
        params.n_ctx = backend.n_ctx * slots
        params.n_batch = params.n_ubatch = n_batch
        params.n_seq_max = slots
        params.kv_unified = False  # a KV stream per sequence: each attends to its own cells only
        self._ctx = llama_cpp.llama_init_from_model(llm._model.model, params)
        if not self._ctx:
            raise BackendError(f"llama.cpp could not create a context for {slots} sequences of {backend.n_ctx} tokens "
                               "(out of memory?); use fewer workers or a smaller n_ctx")
        self._batch = None
        try:
            if llama_cpp.llama_n_ctx_seq(self._ctx) < backend.n_ctx:
                raise BackendError(f"llama.cpp gave each sequence {llama_cpp.llama_n_ctx_seq(self._ctx)} tokens of context, "
                                   f"not {backend.n_ctx}")
            adapter = getattr(llm, "_lora_adapter", None)
            if adapter:  # the LoRA applied to the single-sequence context applies to this one too
                adapters = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(adapter)
                scales = (ctypes.c_float * 1)(llm.lora_scale)
                if llama_cpp.llama_set_adapters_lora(self._ctx, adapters, 1, scales):
                    raise BackendError(f"llama.cpp could not apply the LoRA adapter {backend.lora_path} to the batch context")
            self._batch = llama_cpp.llama_batch_init(n_batch, 0, 1)
        except BaseException:
            self._free()
            raise
        self._mem = llama_cpp.llama_get_memory(self._ctx)
        self._slots = [_Slot(seq) for seq in range(slots)]
        self._cond = threading.Condition()
        self._stopping = False
        self._broken: str | None = None  # why the scheduler stopped, if it failed
        self.steps = 0  # llama_decode calls so far
        self.peak_rows = 0  # the most generating slots one llama_decode held
        self._thread = threading.Thread(target=self._run, name="llama-batch", daemon=True)
        self._thread.start()

    # -- the threads that ask for tokens ------------------------------------------------

    def backend(self, slot: int) -> SharedLlamaBackend:
        """A backend that generates on ``slot`` (one stream at a time)."""
        if not 0 <= slot < self.slots:
            raise ValueError(f"slot {slot} is not one of 0..{self.slots - 1}")
        return SharedLlamaBackend(self, slot)

    def cached(self, slot: int) -> list[int]:
        """The tokens whose KV cache ``slot`` holds now."""
        with self._cond:
            return list(self._slots[slot].cached)

    def generate(self, slot: int, tokens: list[int], *, sampling: Sampling, seed: int, grammar=None,
                 repeat_penalty: float = 1.0) -> Iterator[int]:
        """The tokens sampled after ``tokens`` on ``slot``, as ``Llama.generate`` with the
        embedded backend's settings would give them; closing the generator ends the request
        (the slot keeps the KV of what it decoded)."""
        request = _Request(slot, list(tokens), sampling, seed, grammar, repeat_penalty)
        with self._cond:
            self._check_running()
            busy = self._slots[slot]
            if any(r is not None and not r.closed for r in (busy.incoming, busy.request)):
                raise BackendError(f"slot {slot} is already generating; one stream per slot")
            self._slots[slot].incoming = request
            self._cond.notify_all()
        try:
            while True:
                item = request.out.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
                with self._cond:
                    request.todo, request.handed, request.slow = [item], False, False
                    self._cond.notify_all()
        finally:
            with self._cond:
                request.closed = True
                self._cond.notify_all()

    def close(self) -> None:
        """Stop the scheduler (requests in flight end with a BackendError) and free the context."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()
        self._free()

    def __enter__(self) -> BatchEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _check_running(self) -> None:
        if self._broken:
            raise BackendError(self._broken)
        if self._stopping:
            raise BackendError("the batch engine is closed")

    def _free(self) -> None:
        if self._batch is not None:
            self.lib.llama_batch_free(self._batch)
            self._batch = None
        if self._ctx:
            self.lib.llama_free(self._ctx)
            self._ctx = None

    # -- the scheduler thread -----------------------------------------------------------

    def _run(self) -> None:
        try:
            while (calls := self._next_step()) is not None:
                for call in calls:
                    self._decode(call)
        except BaseException as e:  # a bug or a llama.cpp failure: every stream gets the error
            with self._cond:
                self._broken = f"the batch engine failed: {type(e).__name__}: {e}"
                self._cond.notify_all()
        finally:
            with self._cond:
                error = BackendError(self._broken or "the batch engine is closed")
                for slot in self._slots:
                    for request in (slot.request, slot.incoming):
                        if request is not None and not request.closed:
                            request.out.put(error)
                        if request is not None and request.sampler is not None:
                            request.sampler.close()
                    slot.request = slot.incoming = None

    def _next_step(self) -> list[list[tuple[_Request, list[int], bool]]] | None:
        """Wait for work; return the next ``llama_decode`` calls, each a list of (request, tokens,
        sample after them): the generating slots together (in groups of at most ``DECODE_ROWS``),
        then one prefill chunk of one slot, alone."""
        deadline = None
        with self._cond:
            while True:
                if self._stopping:
                    return None
                self._admit()
                active = [s.request for s in self._slots if s.request is not None]
                ready = [r for r in active if r.todo and not r.handed]
                waiting = [r for r in active if r.handed and not r.slow]
                if ready and waiting and deadline is None:
                    deadline = time.monotonic() + self.gather_s
                if ready and waiting and time.monotonic() >= deadline:
                    for r in waiting:
                        r.slow = True
                    break
                if ready and not waiting:
                    break
                self._cond.wait(None if deadline is None or not ready else max(0.0, deadline - time.monotonic()))
            rows = [(r, list(r.todo), True) for r in ready if len(r.todo) == 1]
            calls = [rows[i: i + DECODE_ROWS] for i in range(0, len(rows), DECODE_ROWS)]
            prefill = [r for r in ready if len(r.todo) > 1]
            if prefill:  # the slot that waited longest; its chunk starts where the last one ended, as Llama.eval chunks
                request = min(prefill, key=lambda r: r.since)
                request.since = time.monotonic()
                chunk = request.todo[: self.n_batch]
                calls.append([(request, chunk, len(chunk) == len(request.todo))])
            return calls

    def _admit(self) -> None:
        """Under the lock: drop closed requests, start waiting ones (prefix reuse, a sampler chain)."""
        for slot in self._slots:
            if slot.request is not None and slot.request.closed:
                slot.request.sampler.close()
                slot.request = None
            if slot.request is None and (request := slot.incoming) is not None:
                slot.incoming = None
                if request.closed:
                    continue
                keep = _common_prefix(slot.cached, request.tokens)
                if keep == len(request.tokens):
                    keep -= 1  # the last prompt token is decoded again: its logits are the ones sampled
                if keep < len(slot.cached):
                    if not self.lib.llama_memory_seq_rm(self._mem, slot.seq, keep, -1):
                        self.lib.llama_memory_seq_rm(self._mem, slot.seq, -1, -1)
                        keep = 0
                    del slot.cached[keep:]
                request.todo, request.since = request.tokens[keep:], time.monotonic()
                try:
                    request.sampler = self._sampler(request)
                except Exception as e:  # noqa: BLE001 - this request fails, the others go on
                    request.out.put(BackendError(f"llama.cpp could not build the sampler: {e}"))
                    continue
                slot.request = request

    def _sampler(self, request: _Request):
        """The chain ``Llama.generate`` builds for these settings (``Llama._init_sampler``, seeded as
        :class:`~agent.backends.embedded._Decoding` seeds it)."""
        llm, s = self.base.llm, request.sampling
        llm.set_seed(request.seed)  # the base model does not generate while the engine runs: its seed is free
        return llm._init_sampler(top_k=TOP_K, top_p=s.top_p, min_p=MIN_P, temp=s.temperature,
                                 repeat_penalty=request.repeat_penalty, grammar=request.grammar)

    def _decode(self, call: list[tuple[_Request, list[int], bool]]) -> None:
        """One ``llama_decode`` of ``call``'s tokens; then each request that asked to sample does,
        and its thread gets the token."""
        lib, batch = self.lib, self._batch
        n, outputs = 0, []
        for request, chunk, sample in call:
            slot = self._slots[request.slot]
            start = len(slot.cached)
            for i, token in enumerate(chunk):
                batch.token[n] = token
                batch.pos[n] = start + i
                batch.n_seq_id[n] = 1
                batch.seq_id[n][0] = slot.seq
                batch.logits[n] = sample and i == len(chunk) - 1
                n += 1
            if sample:
                outputs.append((request, n - 1))
        batch.n_tokens = n
        rc = lib.llama_decode(self._ctx, batch)
        self.steps += 1
        if all(len(chunk) == 1 for _, chunk, _ in call):
            self.peak_rows = max(self.peak_rows, len(call))
        with self._cond:
            if rc != 0:
                self._failed(call, rc)
                return
            for request, chunk, _ in call:
                self._slots[request.slot].cached += chunk
                del request.todo[: len(chunk)]
            # sampled and handed over under the lock: a thread closing its request waits for this
            for request, index in outputs:
                if request.closed:
                    continue
                token = lib.llama_sampler_sample(request.sampler.sampler, self._ctx, index)
                request.handed = True
                request.out.put(token)

    def _failed(self, call: list[tuple[_Request, list[int], bool]], rc: int) -> None:
        """Under the lock: a decode failed; its requests end with an error, their slots start afresh."""
        why = "no room in the KV cache" if rc == 1 else f"llama_decode returned {rc}"
        for request, _, _ in call:
            slot = self._slots[request.slot]
            self.lib.llama_memory_seq_rm(self._mem, slot.seq, -1, -1)
            slot.cached.clear()
            request.todo = []
            if not request.closed:
                request.out.put(BackendError(f"llama.cpp could not decode the batch ({why})"))


class SharedLlamaBackend(LlamaCppBackend):
    """One slot of a :class:`BatchEngine` as a backend: the embedded backend's ``stream``
    (prompt, KV reuse count, decoding with tags, grammar and repetition guard) with its tokens
    from the engine. Settings (tool prompt, constrained calls, penalties) are the engine's model's."""

    def __init__(self, engine: BatchEngine, slot: int):  # noqa: D107 - the model is the engine's, already loaded
        vars(self).update(vars(engine.base))  # every setting of the loaded backend, as make_backend left it
        self.engine, self.slot = engine, slot
        self._lock = threading.Lock()  # one stream at a time on this slot

    def describe(self) -> dict:
        return {**super().describe(), "parallel_slots": self.engine.slots}

    def _cached_prefix(self, tokens: list[int]) -> int:
        return _common_prefix(self.engine.cached(self.slot), tokens)

    def _decoding(self, tokens: list[int], sampling: Sampling, **kw) -> _Decoding:
        return _SlotDecoding(self, tokens, sampling, **kw)


class _SlotDecoding(_Decoding):
    """The embedded backend's decoding, its tokens from a slot of the engine."""

    def __init__(self, backend: SharedLlamaBackend, prompt: list[int], sampling: Sampling, **kw):
        super().__init__(backend, prompt, sampling, **kw)
        self.engine, self.slot = backend.engine, backend.slot

    def _tokens(self, grammar, repeat_penalty: float) -> Iterator[int]:
        return self.engine.generate(self.slot, self.tokens, sampling=self.sampling, seed=self.seed, grammar=grammar,
                                    repeat_penalty=repeat_penalty)
