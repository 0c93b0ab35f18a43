"""Training settings: LIMI's recipe as defaults, overridable from a TOML/YAML file and then flags.

The defaults follow the LIMI recipe (docs/formats.md, "Training recipe"): 4 epochs, lr 1e-5 with
cosine decay to 1e-6, a 2-step warmup, Adam betas (0.9, 0.98), weight decay 0.1, loss averaged per token.
Long agent rows are the norm, so ``max_length`` defaults to the model's whole context (not TRL's
silent 1024), and packing to where it is cheap (see :func:`training.plan.resolve_defaults`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from training.masking import TooLong, ToolProtocol


class TrainConfigError(Exception):
    """A bad setting; one line naming the key (and the file it came from)."""


class TrainConfig(BaseModel):
    """Everything one ``limi-cli train`` run needs to know."""

    model_config = ConfigDict(extra="forbid")

    data: list[Path] = Field(min_length=1, description="LIMI row files (JSONL, or JSON arrays)")
    model: str = Field("embedded", description="'embedded', a Hugging Face checkpoint dir, a .gguf file, or hf:ORG/NAME")
    output_dir: Path

    # the recipe
    epochs: float = Field(4.0, gt=0)
    learning_rate: float = Field(1e-5, gt=0)
    min_learning_rate: float = Field(1e-6, ge=0)
    warmup_steps: int = Field(2, ge=0)
    weight_decay: float = Field(0.1, ge=0)
    adam_beta1: float = Field(0.9, ge=0, lt=1)
    adam_beta2: float = Field(0.98, ge=0, lt=1)
    batch_size: int = Field(1, ge=1, description="rows (or packed sequences) per device per step")
    gradient_accumulation_steps: int = Field(1, ge=1)
    max_steps: int = Field(-1, description="stop after this many steps (-1: run all epochs)")
    repeat: int = Field(1, ge=1, description="each row this many times per epoch (LIMI used 2)")
    seed: int = 42

    # data
    max_length: int | None = Field(None, ge=16, description="most tokens in one sequence (default: the model's context)")
    too_long: TooLong = Field("cut", description="rows over max_length: cut at a turn boundary, or drop")
    tool_protocol: ToolProtocol = "auto"
    tool_prompt: Literal["auto", "full", "brief"] = Field(
        "auto", description="text protocol: full JSON tool schemas or brief signatures (auto: brief up to 8k context, as at inference)"
    )
    eval_fraction: float = Field(0.05, ge=0, lt=1, description="rows held out for eval loss (none when under 10 rows)")
    skip_invalid: bool = False
    packing: Literal["auto"] | bool = Field(
        "auto", description="pack short rows into one sequence, no attention across rows (auto: on a CUDA GPU only)"
    )

    # model and memory
    lora: bool = False
    lora_r: int = Field(16, ge=1)
    lora_alpha: int = Field(32, ge=1)
    lora_dropout: float = Field(0.05, ge=0, lt=1)
    lora_target_modules: str | list[str] = "all-linear"
    merge_lora: bool = Field(False, description="save LoRA merged into full weights instead of an adapter")
    qlora: bool = Field(False, description="LoRA on 4-bit NF4 base weights (bitsandbytes, CUDA); implies lora")
    gradient_checkpointing: bool = True
    bf16: Literal["auto"] | bool = "auto"
    liger: Literal["auto"] | bool = "auto"

    # bookkeeping
    resume: str | None = Field(None, description="'auto' (the latest checkpoint in OUT/checkpoints) or a checkpoint dir")
    save_checkpoints: bool = True
    logging_steps: int = Field(1, ge=1)

    @model_validator(mode="after")
    def _qlora_is_lora(self) -> "TrainConfig":
        if self.qlora:
            self.lora = True
            if self.merge_lora:
                raise ValueError("qlora: --merge would merge into 4-bit weights; train the adapter, then merge it on the full base")
        return self


def read_config_file(path: Path) -> dict[str, Any]:
    """The settings in a ``.toml``, ``.yaml``/``.yml`` or ``.json`` file (a ``[train]`` table is also accepted)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise TrainConfigError(f"{path}: cannot read the config file: {e.strerror or e}") from None
    try:
        if path.suffix == ".toml":
            try:
                import tomllib
            except ModuleNotFoundError:  # Python 3.10
                import tomli as tomllib
            data = tomllib.loads(text)
        elif path.suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text) or {}
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            raise TrainConfigError(f"{path}: unknown config format; use .toml, .yaml or .json")
    except TrainConfigError:
        raise
    except Exception as e:  # tomllib/yaml/json parse errors
        raise TrainConfigError(f"{path}: not valid {path.suffix.lstrip('.')}: {' '.join(str(e).split())[:200]}") from None
    if not isinstance(data, dict):
        raise TrainConfigError(f"{path}: expected a table of settings at the top level")
    data = data.get("train", data) if isinstance(data.get("train"), dict) else data
    return {k.replace("-", "_"): v for k, v in data.items()}


def build_config(file: Path | None = None, **flags: Any) -> TrainConfig:
    """Settings from ``file`` (if any) overridden by the flags that were given (None: not given)."""
    settings = read_config_file(file) if file else {}
    settings.update({k: v for k, v in flags.items() if v is not None})
    try:
        return TrainConfig(**settings)
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "settings"
        origin = f" (in {file})" if file and key.split(".")[0] in read_config_file(file) else ""
        raise TrainConfigError(f"{key}: {err['msg']}{origin}") from None
