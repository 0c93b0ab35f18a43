"""Supervised fine-tuning with transformers + TRL's SFTTrainer on pre-tokenised, pre-masked samples.

TRL is given ``input_ids`` and ``labels`` (``-100`` off the assistant's turns), so it neither
re-renders nor re-masks anything: the masks are :mod:`training.masking`'s, which are
template-agnostic and tested. Short samples are packed best-fit-decreasing into
``max_length`` sequences, padding-free: ``position_ids`` restart at each sample, so no token
attends across samples. The loss is averaged per trained token across the whole
accumulated batch (the Trainer's ``num_items_in_batch``), as in LIMI's recipe.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.errors import BackendError
from agent.model_files import ADAPTER_GGUF, BASE_MARKER, EMBEDDED, convert_adapter, embedded_gguf_path, write_base_marker
from training.config import TrainConfig
from training.distributed import describe, fsdp_on_cpu, fsdp_requested, is_main_process, world_size
from training.model_source import ModelSource, ModelSourceError
from training.plan import PreparedData, matmul_flops, resolve_defaults, rough_seconds, steps

BASE_DIR = "base"  # inside the output dir: the dequantized base of an adapter trained on a GGUF model


class TrainingError(Exception):
    """Training cannot start or resume; one line saying why."""


@dataclass
class TrainResult:
    """What a run produced: the Trainer's log history and the figures the model card reports."""

    output_dir: Path
    adapter: bool
    history: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    steps: int = 0
    tokens_per_second: float = 0.0
    eval_loss_before: float | None = None
    eval_loss_after: float | None = None
    device: str = "cpu"
    precision: str = "fp32"
    main_process: bool = True  # False on the other ranks of a distributed run: they write nothing
    distributed: dict[str, Any] = field(default_factory=lambda: {"type": "NO", "processes": 1})

    @property
    def losses(self) -> list[tuple[int, float]]:
        return [(h["step"], h["loss"]) for h in self.history if "loss" in h]

    @property
    def eval_losses(self) -> list[tuple[int, float]]:
        return [(h["step"], h["eval_loss"]) for h in self.history if "eval_loss" in h]


def use_bf16(config: TrainConfig) -> bool:
    import torch

    if config.bf16 == "auto":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return bool(config.bf16)


def train(config: TrainConfig, prepared: PreparedData, source: ModelSource, tokenizer: Any, progress: bool = True) -> TrainResult:
    """Train on ``prepared`` and save the model (adapter or full weights) and tokenizer to ``config.output_dir``."""
    import torch
    import transformers
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    from training.progress import TrainingProgress  # imports transformers and tqdm at its top: load on demand

    out = config.output_dir
    checkpoints = out / "checkpoints"
    resume = _resume_point(config.resume, checkpoints)
    bf16 = use_bf16(config)
    dtype = torch.bfloat16 if bf16 else torch.float32
    _quiet(transformers)
    warnings.filterwarnings("ignore", category=FutureWarning)  # deprecation notices TRL/transformers give each other
    warnings.filterwarnings("ignore", message="Could not find a config file")  # peft, about a GGUF base: harmless
    warnings.filterwarnings("ignore", message="Unable to fetch remote file")  # peft, a continued adapter's relative base
    cuda = torch.cuda.is_available()
    if config.qlora and not cuda:
        raise TrainingError("QLoRA's 4-bit weights need a CUDA GPU (bitsandbytes); on the CPU use --lora")
    if config.lora and config.merge_lora and world_size() > 1:
        raise TrainingError("--merge works in a single process; train the adapter, then merge it in one process")
    try:
        source.check_adapter(config.lora or config.qlora)
        if config.qlora:
            source.check_qlora()
        if config.packing == "auto" or config.max_length is None:  # callers other than `limi-cli train`
            config, _ = resolve_defaults(config, getattr(source.load_config(), "max_position_embeddings", None), cuda)
        has_eval = bool(prepared.eval)
        configured = fsdp_requested() and not cuda and world_size() > 1
        if configured:
            fsdp_on_cpu()
        # the settings first: they start the process group, so that under FSDP (cpu_ram_efficient_loading)
        # and ZeRO-3 the weights below are loaded once, by rank 0, not in full by every process
        args = _sft_config(SFTConfig, config, checkpoints, bf16, has_eval, cuda, configured,
                           eval_on_start=has_eval and resume is None)
        args.device  # noqa: B018  (sets up accelerate's state: the process group starts here)
        model = source.load_model(dtype, quantize_4bit=config.qlora)
    except ModelSourceError as e:
        raise TrainingError(str(e)) from None
    if config.qlora:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=config.gradient_checkpointing)
    out.mkdir(parents=True, exist_ok=True)
    if config.lora and not config.merge_lora and source.is_gguf and is_main_process():
        # an adapter needs a base that transformers, HFBackend and vLLM can load: the dequantized GGUF
        model.save_pretrained(out / BASE_DIR)
        tokenizer.save_pretrained(out / BASE_DIR)

    def dataset(samples):
        return Dataset.from_dict({"input_ids": [s.input_ids for s in samples], "labels": [s.labels for s in samples]})

    peft_config = None
    if source.adapter:  # continue the adapter: its own rank, alpha and target modules, its weights as the start
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, source.adapter, is_trainable=True)
        if config.gradient_checkpointing:
            model.enable_input_require_grads()  # checkpointed layers need an input that requires grad
    elif config.lora:
        from peft import LoraConfig

        peft_config = LoraConfig(
            r=config.lora_r,
            lora_alpha=config.lora_alpha,
            lora_dropout=config.lora_dropout,
            target_modules=config.lora_target_modules,
            task_type="CAUSAL_LM",
        )
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=dataset(prepared.train),
        eval_dataset=dataset(prepared.eval) if has_eval else None,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=[TrainingProgress(prepared.tokens, enabled=progress)],
    )
    trainer.remove_callback(transformers.PrinterCallback)  # logs go to the bar, the card and the metrics JSON
    if fsdp_requested() and trainer.accelerator.distributed_type != "FSDP":  # never DDP when FSDP was asked for
        raise TrainingError(f"the accelerate config asks for FSDP but the trainer runs {trainer.accelerator.distributed_type}")
    result = TrainResult(output_dir=out, adapter=config.lora and not config.merge_lora)
    result.device = str(trainer.args.device)
    result.distributed = describe(trainer)
    result.precision = "bf16" if bf16 else "fp32"
    if progress is False and is_main_process():
        print(_first_line(config, prepared, model), file=sys.stderr, flush=True)
    started = time.monotonic()
    trainer.train(resume_from_checkpoint=resume)
    result.seconds = time.monotonic() - started
    state = trainer.state
    result.history = list(state.log_history)
    result.steps = state.global_step
    if state.num_input_tokens_seen and result.seconds > 0:
        result.tokens_per_second = state.num_input_tokens_seen / result.seconds
    if has_eval:
        evals = result.eval_losses
        if resume is None and evals and evals[0][0] == 0:
            result.eval_loss_before = evals[0][1]
        final = [loss for step, loss in evals if step == result.steps]
        result.eval_loss_after = final[-1] if final else trainer.evaluate()["eval_loss"]
    result.main_process = trainer.is_world_process_zero()
    result.distributed["wrapper"] = type(trainer.model_wrapped).__name__  # DistributedDataParallel, FSDP<Model>, ...
    _save(trainer, tokenizer, config, source, out, result.main_process)
    return result


def _sft_config(SFTConfig: Any, config: TrainConfig, checkpoints: Path, bf16: bool, has_eval: bool, cuda: bool,
                configured_state: bool = False, eval_on_start: bool = False) -> Any:
    """TRL's settings for this run: LIMI's recipe, packing without cross-row attention, per-token loss.

    ``configured_state``: the Trainer uses the accelerate state set up before it (:func:`training.distributed.fsdp_on_cpu`).
    ``eval_on_start``: the eval loss before training is taken inside ``train()``, on the prepared
    model (FSDP2 cannot prepare a model for an ``evaluate()`` before training: it needs the optimizer too)."""
    return SFTConfig(
    eval_on_start=eval_on_start,
    accelerator_config={"use_configured_state": configured_state},
    output_dir=str(checkpoints),
    num_train_epochs=config.epochs,
    max_steps=config.max_steps,
    learning_rate=config.learning_rate,
    lr_scheduler_type="cosine_with_min_lr",
    lr_scheduler_kwargs={"min_lr": config.min_learning_rate},
    warmup_steps=config.warmup_steps,
    weight_decay=config.weight_decay,
    adam_beta1=config.adam_beta1,
    adam_beta2=config.adam_beta2,
    per_device_train_batch_size=config.batch_size,
    per_device_eval_batch_size=config.batch_size,
    gradient_accumulation_steps=config.gradient_accumulation_steps,
    gradient_checkpointing=config.gradient_checkpointing,
    bf16=bf16,
    use_liger_kernel=_use_liger(config),
    max_length=config.max_length,
    packing=config.packing,
    packing_strategy="bfd",
    eval_packing=config.packing,
    loss_type="nll",
    eval_strategy="epoch" if has_eval else "no",
    save_strategy="epoch" if config.save_checkpoints else "no",
    save_total_limit=2,
    logging_steps=config.logging_steps,
    logging_first_step=True,
    include_num_input_tokens_seen="all" if config.packing else "non_padding",
    report_to="none",
    disable_tqdm=True,
    seed=config.seed,
    data_seed=config.seed,
    use_cpu=not cuda,
    )


def _first_line(config: TrainConfig, prepared: PreparedData, model: Any) -> str:
    """What a log shows before the first step ends (it can take minutes on a CPU): the plan and a rough ETA."""
    n_steps = steps(prepared, config, devices=world_size())
    per_step = prepared.tokens / max(1, steps(prepared, config.model_copy(update={"max_steps": -1, "epochs": 1.0}),
                                              devices=world_size()))
    tokens = int(per_step * n_steps)
    parameters = sum(p.numel() for p in model.parameters())
    eta = rough_seconds(tokens, parameters, matmul_flops(), config.lora, config.gradient_checkpointing)
    minutes, seconds = divmod(int(eta), 60)
    return (f"step 0/{n_steps}: training on ~{tokens:,} tokens; eta ~{minutes}m{seconds:02d}s "
            "(rough, from a matmul probe; measured from step 1 on)")


def _quiet(transformers: Any) -> None:
    """Our own progress bar only: no weight-loading, dataset-map or per-log printouts."""
    import datasets

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    datasets.disable_progress_bars()


def _save(trainer: Any, tokenizer: Any, config: TrainConfig, source: ModelSource, out: Path, main: bool) -> None:
    """Weights (adapter, merged or full) and the tokenizer with its chat template.

    ``trainer.save_model`` runs on every process: under FSDP/ZeRO-3 it gathers the shards.
    """
    if config.lora and config.merge_lora:
        merged = trainer.model.merge_and_unload()
        merged.config.use_cache = True
        merged.save_pretrained(out)
    else:
        trainer.model.config.use_cache = True
        trainer.save_model(str(out))
    if not main:
        return
    if config.lora and not config.merge_lora and source.is_gguf:
        _point_adapter_at(out / "adapter_config.json", BASE_DIR)
    tokenizer.save_pretrained(out)
    (out / "training_args.bin").unlink(missing_ok=True)  # the settings are in the card and the metrics JSON
    if config.lora and not config.merge_lora and source.is_gguf:
        _write_gguf_adapter(out, source)


def _write_gguf_adapter(out: Path, source: ModelSource) -> bool:
    """Also save the adapter as ``adapter.gguf`` plus ``limi_base.json`` naming the GGUF its base was
    dequantized from, so the agent runs it on llama.cpp over that GGUF. A failure only warns: the
    PEFT adapter is saved and still runs on transformers."""
    gguf_path = (Path(source.where) / str(source.gguf_file)).resolve()
    try:
        spec = EMBEDDED if gguf_path == embedded_gguf_path().resolve() else str(gguf_path)
    except BackendError:
        spec = str(gguf_path)
    (out / BASE_MARKER).unlink(missing_ok=True)  # no marker unless this adapter's adapter.gguf is written
    try:
        convert_adapter(out, base_gguf=gguf_path)
    except (BackendError, OSError) as e:
        (out / ADAPTER_GGUF).unlink(missing_ok=True)  # not a stale one from an earlier run
        print(f"warning: the adapter was not converted for llama.cpp ({e}); it runs on transformers", file=sys.stderr)
        return False
    write_base_marker(out, spec)
    return True


def _point_adapter_at(adapter_config: Path, base: str) -> None:
    """Set the adapter's base to a path relative to its own directory (HFBackend resolves it there)."""
    cfg = json.loads(adapter_config.read_text(encoding="utf-8"))
    cfg["base_model_name_or_path"] = base
    adapter_config.write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")


def _resume_point(resume: str | None, checkpoints: Path) -> str | None:
    if resume is None:
        return None
    if resume != "auto":
        if not Path(resume).is_dir():
            raise TrainingError(f"checkpoint {resume} does not exist; pass a checkpoint-N directory or 'auto'")
        return resume
    from transformers.trainer_utils import get_last_checkpoint

    last = get_last_checkpoint(str(checkpoints)) if checkpoints.is_dir() else None
    if last is None:
        raise TrainingError(f"no checkpoint to resume from in {checkpoints}; drop --resume to start afresh")
    return last


def _use_liger(config: TrainConfig) -> bool:
    import torch

    installed = importlib.util.find_spec("liger_kernel") is not None
    if config.liger == "auto":
        return installed and torch.cuda.is_available()
    if config.liger and not installed:
        raise TrainingError("liger is on but liger-kernel is not installed: run `pip install liger-kernel`")
    return bool(config.liger)
