"""From validated rows to masked train/eval samples, with the figures ``--dry-run`` prints.

:func:`prepare` splits off the held-out rows, masks every row with the model's chat template,
fits long samples into ``max_length`` (cut at a turn boundary or drop) and repeats the train
rows. :func:`estimate` turns that into steps and a rough memory figure, without training.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from agent.toolprompt import prompt_style_for
from training.config import TrainConfig
from training.dataset import LimiDataset
from training.masking import (
    ChatRenderer,
    LengthReport,
    MaskedSample,
    MaskingError,
    fit_length,
    mask_row,
)


@dataclass
class PreparedData:
    """Masked samples ready for the trainer, and what happened on the way."""

    train: list[MaskedSample]
    eval: list[MaskedSample]
    rows: int
    eval_rows: int
    skipped_invalid: int
    split_rows: int  # rows the template forced into several samples
    untrained_rows: int  # rows with no assistant step to train on (all marked not-to-train)
    length: LengthReport
    protocol: str  # "native" (the template renders tools) or "text" (agent.toolprompt)
    manifest: list[dict[str, Any]] = field(default_factory=list)

    @property
    def tokens(self) -> int:
        return sum(len(s) for s in self.train)

    @property
    def trained_tokens(self) -> int:
        return sum(s.trained_tokens for s in self.train)


def prepare(data: LimiDataset, config: TrainConfig, tokenizer: Any, context_window: int | None = None) -> PreparedData:
    """Mask every row of ``data`` for ``tokenizer``'s template and split train from eval rows.

    ``context_window`` (the model's) resolves ``tool_prompt = "auto"`` the way the agent does
    at inference (:func:`agent.toolprompt.prompt_style_for`)."""

    style = prompt_style_for(config.tool_prompt, context_window)
    renderer = ChatRenderer(tokenizer, config.tool_protocol, tool_prompt=style)
    rows = list(data.rows)
    held = held_out_rows(len(rows), config.eval_fraction, config.seed)
    train, evals, split, untrained = [], [], 0, 0
    all_samples: list[list[MaskedSample]] = []
    for i, row in enumerate(rows):
        try:
            samples = mask_row(row.row, renderer, row.where)
        except MaskingError as e:
            raise MaskingError(f"{row.where}: {e}") from None
        split += len(samples) > 1
        untrained += not samples
        all_samples.append(samples)
        (evals if i in held else train).extend(samples)
    train, report = fit_length(train, config.max_length, config.too_long)
    evals, _ = fit_length(evals, config.max_length, config.too_long)
    manifest = [
        {"path": str(f.path), "sha256": f.sha256, "rows": f.rows, "skipped_invalid": f.skipped} for f in data.files
    ]
    return PreparedData(
        train=train * config.repeat,
        eval=evals,
        rows=len(rows),
        eval_rows=len(held),
        skipped_invalid=len(data.skipped),
        split_rows=split,
        untrained_rows=untrained,
        length=report,
        protocol="native" if renderer.native else f"text ({style} tool descriptions)",
        manifest=manifest,
    )


FALLBACK_CONTEXT = 4096  # max_length when the model does not say its context


def resolve_defaults(config: TrainConfig, context_window: int | None, cuda: bool) -> tuple[TrainConfig, list[str]]:
    """``config`` with ``max_length`` and ``packing`` made concrete for this model and device, and
    a note for each choice a person may want to know about.

    - ``max_length`` defaults to the model's context; a larger value is cut to it (positions past
      the context were never trained and only cost memory).
    - ``packing = "auto"`` packs only on a CUDA GPU, where padding-free attention keeps each row to
      itself cheaply; on the CPU a packed sequence is as long as ``max_length`` and attention over
      it costs the square of that, for rows that are mostly much shorter.
    """
    notes: list[str] = []
    updates: dict[str, Any] = {}
    limit = context_window or FALLBACK_CONTEXT
    if config.max_length is None:
        updates["max_length"] = limit
    elif context_window and config.max_length > context_window:
        updates["max_length"] = context_window
        notes.append(f"max_length {config.max_length} is over the model's context ({context_window}); using {context_window}")
    if config.packing == "auto":
        updates["packing"] = cuda
        if not cuda:
            notes.append("packing off on the CPU (--packing to force it)")
    return config.model_copy(update=updates), notes


def available_memory_gib(cuda: bool) -> float | None:
    """Memory free for training now: the GPU's free memory, else the machine's MemAvailable."""
    if cuda:
        import torch

        free, _total = torch.cuda.mem_get_info()
        return free / 1024**3
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024**2
    except OSError:
        return None
    return None


def memory_problem(memory: dict[str, float], available: float | None) -> str | None:
    """One line when the estimate does not fit in ``available`` GiB, else None."""
    if available is None or memory["total_gib"] <= available:
        return None
    return (f"the run needs about {memory['total_gib']:.1f} GiB but {available:.1f} GiB is free; "
            "lower --max-length or --batch-size, use --lora, or pass --force to try anyway")


def matmul_flops(seconds: float = 0.2) -> float:
    """This machine's float32 matmul throughput (FLOP/s), from a short probe."""
    import time

    import torch

    a, b = torch.randn(512, 512), torch.randn(512, 512)
    torch.mm(a, b)  # warm-up
    n, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        torch.mm(a, b)
        n += 1
    return 2 * 512**3 * n / elapsed


def rough_seconds(tokens: int, parameters: float, flops: float, lora: bool, gradient_checkpointing: bool) -> float:
    """A first ETA before any step has run: ~6 FLOPs per parameter per token for a full
    fine-tune (forward, backward for activations and for weights), ~4 with LoRA (no weight
    gradients for the base), plus one more forward with gradient checkpointing; at the probe's
    matmul rate, which real training rarely reaches, so the figure errs short."""
    per_token = (4 if lora else 6) + (2 if gradient_checkpointing else 0)
    return per_token * parameters * tokens / max(flops, 1.0)


def held_out_rows(n: int, fraction: float, seed: int) -> set[int]:
    """Indices of the eval rows: ``fraction`` of them (at least one) once there are 10 rows or more."""
    if n < 10 or fraction <= 0:
        return set()
    k = max(1, round(n * fraction))
    return set(random.Random(seed).sample(range(n), k))


def packed_sequences(lengths: list[int], max_length: int) -> int:
    """How many sequences best-fit-decreasing packing makes of ``lengths`` (what TRL's ``bfd`` does)."""
    free: list[int] = []
    for n in sorted(lengths, reverse=True):
        best = min((i for i, f in enumerate(free) if f >= n), key=lambda i: free[i], default=None)
        if best is None:
            free.append(max_length - n)
        else:
            free[best] -= n
    return len(free)


def steps(prepared: PreparedData, config: TrainConfig, devices: int = 1) -> int:
    """Optimizer steps the run will take (the Trainer's own arithmetic)."""
    if config.max_steps > 0:
        return config.max_steps
    lengths = [len(s) for s in prepared.train]
    sequences = packed_sequences(lengths, config.max_length) if config.packing else len(lengths)
    batches = math.ceil(sequences / (config.batch_size * devices))
    per_epoch = max(1, batches // config.gradient_accumulation_steps)
    return math.ceil(config.epochs * per_epoch)


def longest_sequence(prepared: PreparedData, config: TrainConfig) -> int:
    """Tokens in the longest sequence one step sees: a packed bin, or the longest sample."""
    longest = max((len(s) for s in prepared.train), default=0)
    return min(config.max_length, max(longest, prepared.tokens)) if config.packing else longest


def estimate_memory(model_config: Any, config: TrainConfig, bf16: bool, seq_len: int) -> dict[str, float]:
    """A rough peak-memory estimate in GiB for one device: weights, gradients, Adam, activations.

    Weights in bf16 (else fp32); gradients like the trainable weights; Adam keeps two fp32
    moments per trainable parameter; activations per layer ~34·s·h bytes (bf16, no attention
    scores: SDPA/flash) or, with gradient checkpointing, one layer's worth plus a saved input
    per layer; logits s·V in fp32, twice (values and gradient). ``seq_len`` is the longest
    sequence (see :func:`longest_sequence`).
    """
    import torch
    import transformers

    with torch.device("meta"):
        model = transformers.AutoModelForCausalLM.from_config(model_config)
    total = sum(p.numel() for p in model.parameters())
    linears = [m for n, m in model.named_modules() if isinstance(m, torch.nn.Linear) and not n.endswith("lm_head")]
    trainable = sum(config.lora_r * (m.in_features + m.out_features) for m in linears) if config.lora else total
    text = model_config.get_text_config() if hasattr(model_config, "get_text_config") else model_config
    h, layers, vocab = text.hidden_size, text.num_hidden_layers, text.vocab_size
    s = seq_len * config.batch_size
    act_bytes = 2 if bf16 else 4
    per_layer = 34 * s * h * act_bytes / 2
    activations = (per_layer + layers * s * h * act_bytes) if config.gradient_checkpointing else per_layer * layers
    gib = 1024**3
    weights = total * 0.56 if config.qlora else total * (2 if bf16 else 4)  # NF4: 4 bits + double-quantized scales
    grads = trainable * (4 if config.lora else (2 if bf16 else 4))
    adam = trainable * 8
    logits = 2 * s * vocab * 4
    return {
        "parameters_m": total / 1e6,
        "trainable_m": trainable / 1e6,
        "weights_gib": weights / gib,
        "gradients_gib": grads / gib,
        "optimizer_gib": adam / gib,
        "activations_gib": (activations + logits) / gib,
        "total_gib": (weights + grads + adam + activations + logits) / gib,
    }


def describe(prepared: PreparedData, config: TrainConfig, n_steps: int, memory: dict[str, float] | None) -> list[str]:
    """The lines ``--dry-run`` prints (and the model card repeats)."""
    share = prepared.trained_tokens / prepared.tokens if prepared.tokens else 0.0
    rep = prepared.length
    lines = [
        f"rows: {prepared.rows} ({prepared.rows - prepared.eval_rows} train, {prepared.eval_rows} eval)"
        + (f", {prepared.skipped_invalid} invalid skipped" if prepared.skipped_invalid else ""),
        f"samples: {len(prepared.train)} train (x{config.repeat} repeat), {len(prepared.eval)} eval; "
        f"tool prompt: {prepared.protocol}",
        f"tokens: {prepared.tokens:,} train, {prepared.trained_tokens:,} trained on ({share:.1%})",
        f"over max_length {config.max_length}: {rep.cut} cut at a turn boundary ({rep.cut_tokens:,} tokens), "
        f"{rep.dropped} dropped",
    ]
    if prepared.split_rows or prepared.untrained_rows:
        lines.append(
            f"rows split by the template: {prepared.split_rows}; rows with nothing to train on: {prepared.untrained_rows}"
        )
    how = "--max-steps" if config.max_steps > 0 else f"{config.epochs:g} epochs"
    lines.append(
        f"steps: {n_steps} ({how}, batch {config.batch_size} x {config.gradient_accumulation_steps} "
        f"accumulation, max_length {config.max_length}, packing {'on' if config.packing else 'off'})"
    )
    if memory:
        lines.append(
            f"memory (rough, one device): {memory['total_gib']:.2f} GiB = weights {memory['weights_gib']:.2f} "
            f"+ gradients {memory['gradients_gib']:.2f} + Adam {memory['optimizer_gib']:.2f} "
            f"+ activations {memory['activations_gib']:.2f}; {memory['parameters_m']:.1f}M parameters, "
            f"{memory['trainable_m']:.2f}M trainable"
        )
    return lines
