"""Loss of the base model and of adapters on demonstrations none of them trained on.

The ablation's adapters (10 / 39 / 78 demos) all solve 0 tasks, so the eval suite cannot tell
them apart; the loss on unseen demos can. Rows are masked exactly as `limi-cli train` masks them
(same renderer, same brief tool prompt), and the loss is the mean over trained tokens
(assistant text and calls), summed over rows, not averaged per row.

    python demos/heldout_loss.py demos/dataset/all.jsonl --exclude runs/limi/lora78 \
        --exclude runs/limi/abl39/train.jsonl base runs/limi/lora10 runs/limi/lora39 runs/limi/lora78

``--exclude`` drops the rows of a dataset file, or the rows an adapter trained on (its data and
held-out split, re-derived from the settings in its training_metrics.json; run from the directory
it was trained in, as its data paths are relative).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path


def row_key(row: dict) -> str:
    return json.dumps(row["messages"], sort_keys=True, ensure_ascii=False)


def trained_keys(path: Path) -> set[str]:
    """The rows a dataset file holds, or the rows an adapter directory was trained on: its data
    (from training_metrics.json) less the rows `limi-cli train` held out for its eval loss."""
    from training.dataset import load_rows
    from training.plan import held_out_rows

    if path.is_file():
        return {row_key(r.row) for r in load_rows([path]).rows}
    settings = json.loads((path / "training_metrics.json").read_text())["settings"]
    rows = load_rows(settings["data"]).rows
    held = held_out_rows(len(rows), settings["eval_fraction"], settings["seed"])
    return {row_key(r.row) for i, r in enumerate(rows) if i not in held}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("rows", type=Path, help="the demonstrations to score (LIMI rows, .jsonl)")
    p.add_argument("models", nargs="+", help="'base' (the embedded model) or adapter directories")
    p.add_argument("--exclude", type=Path, action="append", default=[], help="a dataset file or adapter directory whose training rows to drop")
    args = p.parse_args(argv)

    import torch

    from training.config import build_config
    from training.dataset import load_rows
    from training.model_source import resolve_model
    from training.plan import prepare

    seen: set[str] = set()
    for path in args.exclude:
        seen |= trained_keys(path)
    data = load_rows([args.rows])
    data.rows = [r for r in data.rows if row_key(r.row) not in seen]
    if not data.rows:
        print(f"heldout_loss: every row of {args.rows} was trained on by an excluded model", file=sys.stderr)
        return 1
    source = resolve_model("embedded")
    tokenizer = source.load_tokenizer()
    context = getattr(source.load_config(), "max_position_embeddings", None)
    config = build_config(data=[str(args.rows)], model="embedded", output_dir=Path("unused"), eval_fraction=0.0)
    samples = prepare(data, config, tokenizer, context).train
    trained = sum(s.trained_tokens for s in samples)
    unseen = " none of the excluded models trained on" if args.exclude else ""
    print(f"{len(data.rows)} rows{unseen}; {trained:,} trained tokens")
    print(f"{'model':<32} {'loss':>7} {'ppl':>8}")
    for name in args.models:
        model = source.load_model(torch.float32)
        if name != "base":
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, name)
        model.eval()
        total = 0.0
        with torch.no_grad():
            for s in samples:
                ids = torch.tensor([s.input_ids])
                labels = torch.tensor([s.labels])
                logits = model(input_ids=ids).logits[0, :-1].float()
                target = labels[0, 1:]
                total += torch.nn.functional.cross_entropy(logits, target, ignore_index=-100, reduction="sum").item()
        loss = total / trained
        print(f"{name:<32} {loss:>7.4f} {math.exp(loss):>8.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
