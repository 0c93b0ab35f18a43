"""``limi-cli train``: supervised fine-tuning on LIMI rows (what ``limi-cli export`` writes)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from limi_cli.commands.common import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="fine-tune a model on LIMI training rows (LoRA or full)",
        description="Fine-tune a model on LIMI rows with LIMI's recipe (4 epochs, lr 1e-5 cosine to 1e-6, "
        "Adam betas 0.9/0.98, weight decay 0.1, per-token loss on assistant tokens only).",
    )
    p.add_argument("data", nargs="+", type=Path, help="JSONL (or JSON) files of LIMI rows")
    p.add_argument("-m", "--model", help="'embedded' (SmolLM2-135M-Instruct from the shipped GGUF), a checkpoint "
                   "directory, a .gguf file, or hf:ORG/NAME")
    p.add_argument("-o", "--output", type=Path, help="output directory (checkpoint, tokenizer, model card)")
    p.add_argument("-c", "--config", type=Path, help="settings file (.toml, .yaml, .json); flags override it")
    p.add_argument("--dry-run", action="store_true", help="print rows, tokens, trained share, steps and memory; do not train")
    p.add_argument("--force", action="store_true", help="train even when the memory estimate exceeds the free memory")
    g = p.add_argument_group("recipe")
    g.add_argument("--epochs", type=float)
    g.add_argument("--lr", dest="learning_rate", type=float, help="peak learning rate (default 1e-5)")
    g.add_argument("--min-lr", dest="min_learning_rate", type=float, help="cosine floor (default 1e-6)")
    g.add_argument("--warmup-steps", type=int)
    g.add_argument("--batch-size", type=int, help="sequences per device per step (default 1)")
    g.add_argument("--grad-accum", dest="gradient_accumulation_steps", type=int)
    g.add_argument("--max-steps", type=int, help="stop after this many steps")
    g.add_argument("--repeat", type=int, help="show each row this many times per epoch (LIMI used 2)")
    g.add_argument("--seed", type=int)
    g = p.add_argument_group("data")
    g.add_argument("--max-length", type=int, help="most tokens per sequence (default: the model's context)")
    g.add_argument("--too-long", choices=["cut", "drop"], help="rows over --max-length: cut at a turn boundary (default) or drop")
    g.add_argument("--tool-protocol", choices=["auto", "native", "text"],
                   help="tools through the chat template (native) or limi-cli's text protocol (default auto)")
    g.add_argument("--tool-prompt", choices=["auto", "full", "brief"],
                   help="text protocol: full JSON tool schemas or one signature line per tool "
                        "(default auto: brief for models with at most 8k tokens of context, as the agent does)")
    g.add_argument("--eval-fraction", type=float, help="share of rows held out for eval loss (default 0.05)")
    g.add_argument("--skip-invalid", action="store_true", default=None, help="leave invalid rows out (counted) instead of stopping")
    g.add_argument("--packing", dest="packing", action="store_true", default=None,
                   help="pack short rows into max_length sequences (default: on a CUDA GPU only)")
    g.add_argument("--no-packing", dest="packing", action="store_false", default=None, help="one row per sequence")
    g = p.add_argument_group("model")
    g.add_argument("--lora", action="store_true", default=None, help="train a LoRA adapter instead of all weights")
    g.add_argument("--qlora", action="store_true", default=None,
                   help="LoRA on a 4-bit NF4 base (bitsandbytes; needs a CUDA GPU and a Hugging Face checkpoint)")
    g.add_argument("--lora-r", type=int)
    g.add_argument("--lora-alpha", type=int)
    g.add_argument("--merge", dest="merge_lora", action="store_true", default=None, help="save LoRA merged into full weights")
    g.add_argument("--no-gradient-checkpointing", dest="gradient_checkpointing", action="store_false", default=None)
    g.add_argument("--bf16", choices=["auto", "on", "off"], help="bf16 training (default auto: where the GPU has it)")
    g.add_argument("--resume", nargs="?", const="auto", help="resume from the latest checkpoint in OUT/checkpoints, or from DIR")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from training.config import TrainConfigError, build_config
    from training.dataset import DatasetError, load_rows
    from training.distributed import is_main_process, world_size
    from training.masking import MaskingError
    from training.model_source import ModelSourceError, adapter_settings, resolve_model
    from training.plan import (
        available_memory_gib,
        describe,
        estimate_memory,
        longest_sequence,
        memory_problem,
        prepare,
        resolve_defaults,
        steps,
    )

    bf16 = {"auto": "auto", "on": True, "off": False}.get(args.bf16) if args.bf16 else None
    fields = ("epochs", "learning_rate", "min_learning_rate", "warmup_steps", "batch_size", "gradient_accumulation_steps",
              "max_steps", "repeat", "seed", "max_length", "too_long", "tool_protocol", "tool_prompt", "eval_fraction", "skip_invalid",
              "packing", "lora", "qlora", "lora_r", "lora_alpha", "merge_lora", "gradient_checkpointing", "resume")
    flags = {f: getattr(args, f) for f in fields}
    main = is_main_process()  # under `accelerate launch` only rank 0 prints the plan
    if args.output is None and not args.dry_run and not args.config:
        raise UserError("name the output directory with -o OUT")
    try:
        config = build_config(args.config, data=args.data, model=args.model, output_dir=args.output or
                              (None if args.config else Path("limi-train-dry-run")), bf16=bf16, **flags)
        source = resolve_model(config.model)  # file checks only: fails before any heavy import
        if config.qlora and not args.dry_run:
            source.check_qlora()
        source.check_adapter(config.lora or config.qlora)
        if source.adapter:  # training continues that adapter: its rank and alpha, whatever the flags say
            kept = adapter_settings(source.adapter)
            if main and any(flags.get(k) not in (None, v) for k, v in kept.items()):
                print(f"note: continuing the adapter keeps its rank {kept['lora_r']} and alpha {kept['lora_alpha']}",
                      file=sys.stderr)
            config = config.model_copy(update=kept)
        data = load_rows(config.data, skip_invalid=config.skip_invalid)
        if main:
            print(f"limi-cli train: {len(data)} rows from {len(data.files)} file(s); base model {source.label}", file=sys.stderr)
        tokenizer = source.load_tokenizer()
        model_config = source.load_config()  # read once: the context for tool_prompt, the shapes for --dry-run
        context = getattr(model_config, "max_position_embeddings", None)
        import torch  # the tokenizer load above has imported it already

        cuda = torch.cuda.is_available()
        config, notes = resolve_defaults(config, context, cuda)
        for note in notes if main else []:
            print(f"note: {note}", file=sys.stderr)
        prepared = prepare(data, config, tokenizer, context)
    except (TrainConfigError, DatasetError, ModelSourceError, MaskingError) as e:
        raise UserError(str(e)) from None
    if not prepared.train:
        raise UserError("no sample left to train on (all rows too long, held out, or marked not-to-train); "
                        "raise --max-length or use --too-long cut")
    n_steps = steps(prepared, config, devices=world_size())
    from training.sft import use_bf16

    memory = estimate_memory(model_config, config, use_bf16(config), longest_sequence(prepared, config))
    summary = describe(prepared, config, n_steps, memory)
    for line in summary if main else []:
        print(line)
    problem = memory_problem(memory, available_memory_gib(cuda))
    if args.dry_run:
        if problem:
            print(f"warning: {problem}")
        return 0
    if problem and not args.force:
        raise UserError(problem)
    return _train(config, prepared, source, tokenizer, summary)


def _train(config, prepared, source, tokenizer, summary: list[str]) -> int:
    from training.model_card import (
        adapter_base,
        chat_command,
        serve_command,
        write_outputs,
    )
    from training.sft import TrainingError, train

    try:
        result = train(config, prepared, source, tokenizer, progress=sys.stderr.isatty())
    except TrainingError as e:
        raise UserError(str(e)) from None
    if not result.main_process:
        return 0
    card = write_outputs(result, config, prepared, summary, source.where, source.label, source.is_gguf)
    first, last = (result.losses[0][1], result.losses[-1][1]) if result.losses else (float("nan"), float("nan"))
    print(f"trained {result.steps} steps in {result.seconds:.0f} s ({result.tokens_per_second:,.0f} tokens/s); "
          f"loss {first:.4f} -> {last:.4f}"
          + (f"; eval loss {result.eval_loss_before:.4f} -> {result.eval_loss_after:.4f}"
             if result.eval_loss_before is not None and result.eval_loss_after is not None else ""))
    print(f"saved {'adapter' if result.adapter else 'model'} to {config.output_dir} (model card {card})")
    print(f"chat:  {chat_command(config.output_dir)}")
    print(f"serve: {serve_command(result, config, adapter_base(result, source.where, source.is_gguf))}")
    return 0
