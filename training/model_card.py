"""What a training run leaves next to the weights: a model card, a loss curve and the metrics as JSON.

The card holds the data manifest (files and their hashes, rows, what was cut or skipped),
the settings, the losses, and the exact commands to chat with the result in limi-cli and
to serve it with vLLM.
"""

from __future__ import annotations

import json
import shlex
import time
from pathlib import Path
from typing import Any

from agent import __version__
from training.config import TrainConfig
from training.plan import PreparedData
from training.sft import BASE_DIR, TrainResult

LOSS_PNG = "loss_curve.png"
METRICS_JSON = "training_metrics.json"


def chat_command(out: Path) -> str:
    return f"limi-cli run -m {shlex.quote(str(out))} -p \"...\""


def serve_command(result: TrainResult, config: TrainConfig, base: str) -> str:
    """vLLM: an adapter is served on top of its base with ``--enable-lora``; full weights directly."""
    out = shlex.quote(str(result.output_dir))
    if result.adapter:
        return (
            f"vllm serve {shlex.quote(base)} --enable-lora --max-lora-rank {config.lora_r} "
            f"--lora-modules limi={out}"
        )
    return f"vllm serve {out}"


def adapter_base(result: TrainResult, base_where: str, is_gguf: bool) -> str:
    return str(result.output_dir / BASE_DIR) if is_gguf else base_where


def write_loss_curve(result: TrainResult, path: Path) -> bool:
    """Plot train (and eval) loss per step; False when matplotlib is missing or nothing was logged."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    if not result.losses:
        return False
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    steps, losses = zip(*result.losses)
    ax.plot(steps, losses, label="train loss", color="#1f77b4")
    if result.eval_losses:
        es, el = zip(*result.eval_losses)
        ax.plot(es, el, "o-", label="eval loss", color="#d62728")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (per trained token)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def write_outputs(result: TrainResult, config: TrainConfig, prepared: PreparedData, summary: list[str],
                  base_where: str, base_label: str, is_gguf: bool) -> Path:
    """Write the metrics JSON, the loss curve and README.md into the output dir; returns the card's path."""
    out = result.output_dir
    base = adapter_base(result, base_where, is_gguf)
    metrics = {
        "limi_version": __version__,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "base_model": base_label,
        "adapter": result.adapter,
        "steps": result.steps,
        "seconds": round(result.seconds, 2),
        "tokens_per_second": round(result.tokens_per_second, 1),
        "device": result.device,
        "distributed": result.distributed,
        "precision": result.precision,
        "train_loss_first": result.losses[0][1] if result.losses else None,
        "train_loss_last": result.losses[-1][1] if result.losses else None,
        "eval_loss_before": result.eval_loss_before,
        "eval_loss_after": result.eval_loss_after,
        "data": prepared.manifest,
        "settings": json.loads(config.model_dump_json()),
        "log_history": result.history,
    }
    (out / METRICS_JSON).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    plotted = write_loss_curve(result, out / LOSS_PNG)
    card = _card(result, config, prepared, summary, metrics, base, plotted)
    path = out / "README.md"
    path.write_text(card, encoding="utf-8")
    return path


def _card(result: TrainResult, config: TrainConfig, prepared: PreparedData, summary: list[str],
          metrics: dict[str, Any], base: str, plotted: bool) -> str:
    kind = "LoRA adapter" if result.adapter else ("merged LoRA, full weights" if config.lora else "full fine-tune")
    fmt = lambda v: "n/a" if v is None else f"{v:.4f}"
    files = "\n".join(f"| `{d['path']}` | {d['rows']} | {d['skipped_invalid']} | `{d['sha256'][:16]}…` |" for d in prepared.manifest)
    lines = [
        "---",
        "library_name: " + ("peft" if result.adapter else "transformers"),
        "tags: [limi-cli, sft, agent]",
        "---",
        "",
        f"# {result.output_dir.name}",
        "",
        f"Fine-tuned by `limi-cli train` (limi-cli {__version__}) from **{metrics['base_model']}**: {kind}, "
        f"{result.steps} steps in {result.seconds:.0f} s on {result.device} ({result.precision}), "
        f"{result.tokens_per_second:,.0f} tokens/s.",
        "",
        "## Use it",
        "",
        "```sh",
        chat_command(result.output_dir) + "   # chat in limi-cli",
        serve_command(result, config, base) + "   # serve it (OpenAI-compatible)",
        "```",
        "",
    ]
    if result.adapter and base.endswith(BASE_DIR):
        lines += [f"The base is the dequantized GGUF saved in `{BASE_DIR}/` (adapter_config.json names it relative to this directory).", ""]
    if (result.output_dir / "adapter.gguf").is_file():
        lines += [
            "`adapter.gguf` is the same adapter for llama.cpp: `limi-cli run -m` on this directory applies it to the "
            "original GGUF (named in `limi_base.json`) in-process, without transformers; `-m hf:DIR` runs the "
            "PEFT adapter through transformers instead.",
            "",
        ]
    lines += [
        "## Results",
        "",
        "| | value |",
        "|---|---|",
        f"| train loss, first logged step | {fmt(metrics['train_loss_first'])} |",
        f"| train loss, last logged step | {fmt(metrics['train_loss_last'])} |",
        f"| eval loss before / after | {fmt(result.eval_loss_before)} / {fmt(result.eval_loss_after)} |",
        "",
    ]
    if plotted:
        lines += [f"![loss curve]({LOSS_PNG})", ""]
    lines += [
        "## Data",
        "",
        "| file | rows | invalid skipped | sha256 |",
        "|---|---|---|---|",
        files,
        "",
        *[f"- {line}" for line in summary],
        "- loss on assistant tokens only (text, reasoning, tool calls, end-of-turn); system, user and tool tokens masked",
        "",
        "## Settings",
        "",
        "```json",
        json.dumps(metrics["settings"], indent=2, default=str),
        "```",
        "",
        f"Full log history: `{METRICS_JSON}`.",
        "",
    ]
    return "\n".join(lines)
