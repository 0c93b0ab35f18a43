"""Training throughput and peak memory: limi-cli's trainer against plain TRL SFTTrainer, in one run.

Both arms train the same model on the same rows with the same settings (the SFTConfig that
``training.sft`` builds: LIMI's recipe, packing, max_length, gradient checkpointing). The
difference is the data path: limi-cli feeds pre-tokenised samples with assistant-only
labels; plain TRL gets the same conversations (flattened by the agent's tool-prompt
renderer, so the text is identical) and tokenises them itself, with loss on every token
(SmolLM2's template has no ``{% generation %}`` markers for ``assistant_only_loss``).

Each arm runs in its own process, so peak memory (CUDA max allocated, or the process's peak
RSS on CPU) is its own. Printed side by side with the ratios; the bar is >= 1.0 for both.

    python benchmarks/bench_train.py --model embedded --lora --steps 4
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run_arm(arm: str, args: argparse.Namespace) -> dict:
    import torch

    from training.config import TrainConfig
    from training.dataset import load_rows
    from training.model_source import resolve_model
    from training.plan import prepare
    from training.sft import _quiet, _sft_config, use_bf16

    out = Path(tempfile.mkdtemp(prefix=f"bench-{arm}-"))
    config = TrainConfig(
        data=[args.data], model=args.model, output_dir=out, lora=args.lora, max_steps=args.steps, repeat=args.repeat,
        max_length=args.max_length, eval_fraction=0, save_checkpoints=False, warmup_steps=0, packing=True,
        gradient_checkpointing=not args.no_gradient_checkpointing,
    )
    source = resolve_model(config.model)
    tokenizer = source.load_tokenizer()
    data = load_rows(config.data)
    cuda = torch.cuda.is_available()
    if arm == "ours":
        from training.sft import train

        prepared = prepare(data, config, tokenizer)
        result = train(config, prepared, source, tokenizer, progress=False)
        seconds, tokens = result.seconds, result.tokens_per_second * result.seconds
    else:
        import transformers
        from datasets import Dataset
        from trl import SFTConfig, SFTTrainer

        from agent.toolprompt import render_messages

        _quiet(transformers)
        bf16 = use_bf16(config)
        model = source.load_model(torch.bfloat16 if bf16 else torch.float32)
        rows = [{"messages": render_messages(r.row["messages"], r.row.get("tools") or [])} for r in data.rows]
        dataset = Dataset.from_list(rows * config.repeat)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            sft_args = _sft_config(SFTConfig, config, out / "checkpoints", bf16, False, cuda)
        peft_config = None
        if config.lora:
            from peft import LoraConfig

            peft_config = LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                                     target_modules=config.lora_target_modules, task_type="CAUSAL_LM")
        trainer = SFTTrainer(model=model, args=sft_args, train_dataset=dataset, processing_class=tokenizer, peft_config=peft_config)
        started = time.monotonic()
        trainer.train()
        seconds, tokens = time.monotonic() - started, trainer.state.num_input_tokens_seen
    peak = torch.cuda.max_memory_allocated() if cuda else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"arm": arm, "seconds": seconds, "tokens": tokens, "tokens_per_s": tokens / seconds, "peak_gib": peak / 1024**3,
            "device": "cuda" if cuda else "cpu"}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="embedded")
    p.add_argument("--data", type=Path, default=ROOT / "tests" / "data" / "limi_rows.jsonl")
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--repeat", type=int, default=8, help="rows repeated so every step gets a full packed sequence")
    p.add_argument("--max-length", type=int, default=2048)
    p.add_argument("--lora", action="store_true")
    p.add_argument("--no-gradient-checkpointing", action="store_true")
    p.add_argument("--rounds", type=int, default=1, help="runs of each arm (ABBA order); the best of each is reported")
    p.add_argument("--arm", choices=["ours", "trl"], help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.arm:
        print("RESULT " + json.dumps(run_arm(args.arm, args)))
        return 0
    runs: dict[str, list[dict]] = {"ours": [], "trl": []}
    order = ["ours", "trl", "trl", "ours"] * ((args.rounds + 1) // 2)
    for arm in order[: 2 * args.rounds]:  # ABBA: drift in machine load hits both arms alike
        proc = subprocess.run([sys.executable, __file__, *sys.argv[1:], "--arm", arm], capture_output=True, text=True)
        line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
        if line is None:
            print(f"{arm} failed:\n{proc.stderr[-3000:]}", file=sys.stderr)
            return 1
        runs[arm].append(json.loads(line[7:]))
    # the best round of each arm: the least disturbed by other work on the machine
    results = {arm: max(rs, key=lambda r: r["tokens_per_s"]) for arm, rs in runs.items()}
    ours, trl = results["ours"], results["trl"]
    print(f"model {args.model}, {'LoRA' if args.lora else 'full'}, {args.steps} steps, max_length {args.max_length}, "
          f"device {ours['device']}, best of {args.rounds} round(s) each")
    print(f"{'':14}{'limi-cli':>12}{'plain TRL':>12}{'ratio':>8}")
    print(f"{'tokens/s':14}{ours['tokens_per_s']:12.1f}{trl['tokens_per_s']:12.1f}{ours['tokens_per_s'] / trl['tokens_per_s']:8.2f}")
    print(f"{'peak GiB':14}{ours['peak_gib']:12.2f}{trl['peak_gib']:12.2f}{trl['peak_gib'] / ours['peak_gib']:8.2f}")
    print(f"{'tokens':14}{ours['tokens']:12.0f}{trl['tokens']:12.0f}")
    print("ratios: tokens/s limi-cli/TRL and peak memory TRL/limi-cli; >= 1.0 means limi-cli is at least as good")
    return 0


if __name__ == "__main__":
    sys.exit(main())
