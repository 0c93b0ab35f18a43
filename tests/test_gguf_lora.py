"""PEFT LoRA adapters converted to GGUF LoRA files and run on llama.cpp (agent.model_files).

Fast tests check the conversion on tiny synthetic adapters (the exact products, the q/k row
permutation, the alpha/r and rslora scales, float16), the one-line errors, and the registry's
choice of backend. The slow tests build a real adapter on the dequantized embedded model and
compare llama.cpp with and without it against transformers with and without it.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pytest

from agent.backends.base import BackendError
from agent.model_files import (
    ADAPTER_GGUF,
    BASE_MARKER,
    AdapterConversionError,
    convert_adapter,
    runnable_adapter,
    write_base_marker,
)
from agent.config import Config

# -- tiny synthetic adapters ------------------------------------------------------

N_HEAD, N_KV, HIDDEN, FFN, LAYERS = 4, 2, 32, 48, 2
HEAD_DIM = HIDDEN // N_HEAD
_SHAPES = {  # module -> (out, in)
    "self_attn.q_proj": (HIDDEN, HIDDEN),
    "self_attn.k_proj": (N_KV * HEAD_DIM, HIDDEN),
    "self_attn.v_proj": (N_KV * HEAD_DIM, HIDDEN),
    "self_attn.o_proj": (HIDDEN, HIDDEN),
    "mlp.gate_proj": (FFN, HIDDEN),
    "mlp.up_proj": (FFN, HIDDEN),
    "mlp.down_proj": (HIDDEN, FFN),
}
_GGUF = {
    "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down",
}


def make_tiny_adapter(
    path: Path, *, r: int = 4, alpha: float = 8, b_scale: float = 0.1, arch: str = "LlamaForCausalLM",
    config: dict | None = None, extra: dict | None = None, drop: tuple[str, ...] = (),
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """A PEFT-layout LoRA adapter of a 2-layer llama (4 heads, 2 kv heads) with a ``base/config.json``;
    returns {"layers.N.module": (A, B)}."""
    from safetensors.numpy import save_file

    path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    tensors, pairs = {}, {}
    for layer in range(LAYERS):
        for module, (out, inp) in _SHAPES.items():
            a = rng.normal(0, 0.05, (r, inp)).astype(np.float32)
            b = rng.normal(0, b_scale, (out, r)).astype(np.float32)
            key = f"base_model.model.model.layers.{layer}.{module}"
            tensors[f"{key}.lora_A.weight"] = a
            tensors[f"{key}.lora_B.weight"] = b
            pairs[f"layers.{layer}.{module}"] = (a, b)
    for key in drop:
        tensors.pop(key)
    tensors.update(extra or {})
    save_file(tensors, str(path / "adapter_model.safetensors"))
    cfg = {
        "peft_type": "LORA", "r": r, "lora_alpha": alpha, "base_model_name_or_path": "base", "bias": "none",
        "use_dora": False, "use_rslora": False, "alpha_pattern": {}, "rank_pattern": {}, "modules_to_save": None,
        "fan_in_fan_out": False, "target_modules": sorted({m.split(".")[1] for m in _SHAPES}), "task_type": "CAUSAL_LM",
    }
    cfg.update(config or {})
    (path / "adapter_config.json").write_text(json.dumps(cfg))
    (path / "base").mkdir(exist_ok=True)
    (path / "base" / "config.json").write_text(json.dumps({
        "architectures": [arch], "model_type": "llama" if arch.startswith("Llama") else "other",
        "num_attention_heads": N_HEAD, "num_key_value_heads": N_KV, "num_hidden_layers": LAYERS, "hidden_size": HIDDEN,
    }))
    return pairs


def llama_cpp_rows(out_rows: int, n_head: int) -> np.ndarray:
    """Row i of a llama.cpp q/k weight is HF row ``src[i]``: within each head the two rotary halves interleave."""
    hd = out_rows // n_head
    i = np.arange(out_rows)
    head, j = i // hd, i % hd
    return head * hd + (j % 2) * (hd // 2) + j // 2


def read_gguf(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    import gguf

    reader = gguf.GGUFReader(str(path))
    fields = {k: f.contents() for k, f in reader.fields.items() if not k.startswith("GGUF.")}
    tensors = {t.name: np.array(t.data, dtype=np.float32) for t in reader.tensors}
    return fields, tensors


def products(tensors: dict[str, np.ndarray], alpha: float) -> dict[str, np.ndarray]:
    """What llama.cpp adds to each weight: alpha / r * B @ A (r from B's shape)."""
    out = {}
    for name, a in tensors.items():
        if name.endswith(".lora_a"):
            base = name[: -len(".lora_a")]
            b = tensors[base + ".lora_b"]
            out[base] = alpha / b.shape[1] * (b @ a)
    return out


def expected_products(pairs: dict, scale: float) -> dict[str, np.ndarray]:
    """What PEFT adds, ``scale * B @ A``, in llama.cpp's row order and tensor names."""
    out = {}
    for key, (a, b) in pairs.items():
        _, layer, module = key.split(".", 2)
        delta = scale * (b @ a)
        if module == "self_attn.q_proj":
            delta = delta[llama_cpp_rows(delta.shape[0], N_HEAD)]
        elif module == "self_attn.k_proj":
            delta = delta[llama_cpp_rows(delta.shape[0], N_KV)]
        out[f"blk.{layer}.{_GGUF[module]}.weight"] = delta
    return out


def test_conversion_writes_what_llama_cpp_reads(tmp_path: Path):
    pairs = make_tiny_adapter(tmp_path / "ad", r=4, alpha=8)
    out = convert_adapter(tmp_path / "ad", dtype="f32")
    assert out == tmp_path / "ad" / ADAPTER_GGUF
    fields, tensors = read_gguf(out)
    assert fields["general.architecture"] == "llama"
    assert fields["general.type"] == "adapter"
    assert fields["adapter.type"] == "lora"
    assert fields["adapter.lora.alpha"] == 8.0
    assert len(tensors) == 2 * LAYERS * len(_SHAPES)
    assert tensors["blk.1.attn_k.weight.lora_a"].shape == (4, HIDDEN)  # [r, in]: ne = [in, r]
    assert tensors["blk.1.attn_k.weight.lora_b"].shape == (N_KV * HEAD_DIM, 4)  # [out, r]
    got, want = products(tensors, 8.0), expected_products(pairs, 8 / 4)
    assert got.keys() == want.keys()
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-5, atol=1e-7, err_msg=name)
    # lora_a is never permuted; only q/k lora_b rows are
    np.testing.assert_array_equal(tensors["blk.0.attn_q.weight.lora_a"], pairs["layers.0.self_attn.q_proj"][0])
    np.testing.assert_array_equal(tensors["blk.0.attn_v.weight.lora_b"], pairs["layers.0.self_attn.v_proj"][1])


def test_float16_keeps_small_products(tmp_path: Path):
    """Early in training B is tiny: float16 holds the product because A and B are rebalanced."""
    pairs = make_tiny_adapter(tmp_path / "ad", r=4, alpha=8, b_scale=1e-6)
    out = convert_adapter(tmp_path / "ad", tmp_path / "x.gguf")
    _, tensors = read_gguf(out)
    assert set(_raw_dtypes(out)) == {"F16"}
    got, want = products(tensors, 8.0), expected_products(pairs, 2.0)
    for name in want:
        err = np.abs(got[name] - want[name]).max() / np.abs(want[name]).max()
        assert err < 2e-3, (name, err)


def _raw_dtypes(path: Path):
    import gguf

    return [t.tensor_type.name for t in gguf.GGUFReader(str(path)).tensors]


def test_rslora_scale_is_folded_into_b(tmp_path: Path):
    pairs = make_tiny_adapter(tmp_path / "ad", r=4, alpha=8, config={"use_rslora": True})
    _, tensors = read_gguf(convert_adapter(tmp_path / "ad", dtype="f32"))
    got, want = products(tensors, 8.0), expected_products(pairs, 8 / math.sqrt(4))
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-5, atol=1e-7, err_msg=name)


def test_an_adapter_for_another_model_is_refused_against_the_base_gguf(tmp_path: Path, embedded_gguf: Path):
    """With base_gguf the shapes are checked against that GGUF; without it or base/config.json there is no shape."""
    make_tiny_adapter(tmp_path / "ad")
    with pytest.raises(AdapterConversionError, match="trained on another model"):
        convert_adapter(tmp_path / "ad", base_gguf=embedded_gguf)
    (tmp_path / "ad" / "base" / "config.json").unlink()
    with pytest.raises(AdapterConversionError, match="pass base_gguf"):
        convert_adapter(tmp_path / "ad")


_A = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"config": {"peft_type": "IA3"}}, "only LoRA"),
        ({"config": {"use_dora": True}}, "DoRA cannot be expressed"),
        ({"config": {"alpha_pattern": {"q_proj": 64}}}, "alpha_pattern"),
        ({"config": {"modules_to_save": ["lm_head"]}}, "modules_to_save"),
        ({"config": {"bias": "all"}}, "biases"),
        ({"config": {"lora_bias": True}}, "lora_bias"),
        ({"arch": "Qwen2ForCausalLM"}, "only llama models"),
        ({"extra": {"base_model.model.lm_head.lora_A.weight": np.zeros((4, HIDDEN), np.float32),
                    "base_model.model.lm_head.lora_B.weight": np.zeros((64, 4), np.float32)}}, "no LoRA target for module 'lm_head'"),
        ({"extra": {"base_model.model.model.embed_tokens.lora_embedding_A": np.zeros((4, 64), np.float32)}}, "embeddings or lm_head"),
        ({"extra": {"base_model.model.model.layers.0.self_attn.rotary.lora_A.weight": np.zeros((4, 8), np.float32)}},
         "no LoRA target for module 'model.layers.0.self_attn.rotary'"),
        ({"drop": (_A,)}, "has lora_B but not its pair"),
    ],
)
def test_conversion_errors_are_one_line(tmp_path: Path, kwargs: dict, match: str):
    make_tiny_adapter(tmp_path / "ad", **kwargs)
    with pytest.raises(AdapterConversionError, match=match) as info:
        convert_adapter(tmp_path / "ad")
    assert isinstance(info.value, ValueError) and isinstance(info.value, BackendError)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "ad" / ADAPTER_GGUF).exists()


def test_not_an_adapter_dir(tmp_path: Path):
    with pytest.raises(AdapterConversionError, match="is not a PEFT adapter directory"):
        convert_adapter(tmp_path)
    (tmp_path / "adapter_config.json").write_text("{not json")
    (tmp_path / "adapter_model.safetensors").write_bytes(b"")
    with pytest.raises(AdapterConversionError, match="not readable JSON"):
        convert_adapter(tmp_path)


# -- which backend runs an adapter directory ------------------------------------------


def _fake_gguf_adapter(path: Path, marker: str | None) -> Path:
    make_tiny_adapter(path)
    convert_adapter(path, dtype="f32")
    if marker is not None:
        write_base_marker(path, marker)
    return path


def test_registry_routes_a_converted_adapter_to_llama_cpp(tmp_path: Path, embedded_gguf: Path):
    from agent.backends.registry import expected_context_window, resolve_backend

    ad = _fake_gguf_adapter(tmp_path / "ad", "embedded")
    assert json.loads((ad / BASE_MARKER).read_text())["gguf"] == "embedded"
    assert resolve_backend(Config(model=str(ad))) == ("embedded", str(ad))
    assert expected_context_window(Config(model=str(ad), n_ctx=4096)) == 4096
    assert runnable_adapter(ad) == ("embedded", embedded_gguf, ad / ADAPTER_GGUF)
    # the HF backend stays one prefix (or setting) away
    assert resolve_backend(Config(model=f"hf:{ad}")) == ("hf", str(ad))
    assert resolve_backend(Config(model=str(ad), backend="hf")) == ("hf", str(ad))

    other = _fake_gguf_adapter(tmp_path / "other", str(embedded_gguf))  # a base GGUF named by path
    assert resolve_backend(Config(model=str(other))) == ("gguf", str(other))
    assert runnable_adapter(other)[1] == embedded_gguf.resolve()


@pytest.mark.parametrize("case", ["no marker", "missing gguf", "bad marker", "no adapter.gguf"])
def test_registry_keeps_other_adapters_on_transformers(tmp_path: Path, case: str):
    from agent.backends.registry import resolve_backend

    ad = _fake_gguf_adapter(tmp_path / "ad", None if case == "no marker" else "embedded")
    if case == "missing gguf":
        (ad / BASE_MARKER).write_text(json.dumps({"gguf": str(tmp_path / "gone.gguf")}))
    elif case == "bad marker":
        (ad / BASE_MARKER).write_text("[")
    elif case == "no adapter.gguf":
        (ad / ADAPTER_GGUF).unlink()
    assert resolve_backend(Config(model=str(ad))) == ("hf", str(ad))
    assert runnable_adapter(ad) is None


def test_backend_refuses_a_missing_or_foreign_adapter_in_one_line(tmp_path: Path):
    from agent.backends.embedded import LlamaCppBackend

    with pytest.raises(BackendError, match="does not exist") as info:
        LlamaCppBackend(lora_path=tmp_path / "nope.gguf")
    assert "\n" not in str(info.value)
    (tmp_path / "a.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(BackendError, match="is not a GGUF file"):
        LlamaCppBackend(lora_path=tmp_path / "a.safetensors")


@pytest.mark.slow
def test_backend_refuses_an_adapter_for_another_model(tmp_path: Path):
    from agent.backends.embedded import LlamaCppBackend

    make_tiny_adapter(tmp_path / "ad")
    convert_adapter(tmp_path / "ad")  # a 32-wide llama: llama.cpp finds the shapes wrong
    with pytest.raises(BackendError, match="cannot apply the LoRA adapter") as info:
        LlamaCppBackend(lora_path=tmp_path / "ad" / ADAPTER_GGUF, n_ctx=256, n_threads=1)
    assert "\n" not in str(info.value)


def test_training_warns_and_leaves_no_marker_when_conversion_fails(tmp_path: Path, capsys):
    from training.model_source import resolve_model
    from training.sft import _write_gguf_adapter

    ad = tmp_path / "ad"
    make_tiny_adapter(ad)  # not the embedded model's shapes
    (ad / ADAPTER_GGUF).write_bytes(b"stale")
    (ad / BASE_MARKER).write_text("{}")
    assert _write_gguf_adapter(ad, resolve_model("embedded")) is False
    assert "warning: the adapter was not converted for llama.cpp" in capsys.readouterr().err
    assert not (ad / BASE_MARKER).exists() and not (ad / ADAPTER_GGUF).exists()


# -- a real adapter on the embedded model ----------------------------------------------

PROMPT = (
    "<|im_start|>system\nYou are a helpful coding assistant.<|im_end|>\n"
    "<|im_start|>user\nWrite a Python function that reverses a list, and explain it.<|im_end|>\n"
    "<|im_start|>assistant\nHere is"
)
LAST = 8  # positions whose logits are compared


@pytest.fixture(scope="module")
def real_adapter(tmp_path_factory, embedded_gguf: Path) -> dict:
    """A LoRA (r=8, alpha=32, all linear layers) on SmolLM2 dequantized from the embedded GGUF, with
    random B (std 0.1) so it clearly changes the output; saved as training saves it (base/ holds
    the config only), converted, and the transformers logits with and without it on PROMPT."""
    import peft
    import torch

    from agent.llama_cpu import import_llama_cpp
    from training.model_source import resolve_model
    from training.sft import _write_gguf_adapter

    Llama = import_llama_cpp().Llama

    out = tmp_path_factory.mktemp("gguf_lora") / "my-adapter"
    source = resolve_model("embedded")
    base = source.load_model(torch.float32)
    base.config.architectures = ["LlamaForCausalLM"]  # as model.save_pretrained writes it
    base.config.save_pretrained(out / "base")
    torch.manual_seed(0)  # peft draws A here, the loop below draws B
    model = peft.get_peft_model(
        base, peft.LoraConfig(r=8, lora_alpha=32, lora_dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM")
    )
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.1)
    model.save_pretrained(out)
    cfg = json.loads((out / "adapter_config.json").read_text())
    cfg["base_model_name_or_path"] = "base"
    (out / "adapter_config.json").write_text(json.dumps(cfg))

    started = time.monotonic()
    assert _write_gguf_adapter(out, source) is True  # what training does after saving the adapter
    seconds = time.monotonic() - started

    tokens = Llama(model_path=str(embedded_gguf), vocab_only=True, verbose=False).tokenize(
        PROMPT.encode(), add_bos=False, special=True
    )
    ids = torch.tensor([tokens])
    model.eval()
    with torch.no_grad():
        with_adapter = model(ids).logits[0].numpy()
        with model.disable_adapter():
            without = model(ids).logits[0].numpy()
    del model, base
    return {"dir": out, "tokens": tokens, "hf_lora": with_adapter, "hf_base": without, "convert_s": seconds}


def llama_cpp_logits(gguf: Path, tokens: list[int], lora: Path | None, scale: float = 1.0) -> np.ndarray:
    from agent.llama_cpu import import_llama_cpp

    Llama = import_llama_cpp().Llama

    llm = Llama(model_path=str(gguf), lora_path=str(lora) if lora else None, lora_scale=scale, n_ctx=256, logits_all=True,
                n_threads=1, verbose=False)
    llm.eval(tokens)
    scores = np.array(llm.scores[: len(tokens)])
    llm.close()
    return scores


def delta_agreement(cpp_delta: np.ndarray, hf_delta: np.ndarray) -> tuple[list[float], float]:
    """Per-position correlation over the vocab of the last LAST positions, and the mean least-squares
    slope of llama.cpp's delta on transformers' (1 when the scale is right)."""
    rows = range(len(hf_delta) - LAST, len(hf_delta))
    corr = [float(np.corrcoef(cpp_delta[i], hf_delta[i])[0, 1]) for i in rows]
    slope = float(np.mean([cpp_delta[i] @ hf_delta[i] / (hf_delta[i] @ hf_delta[i]) for i in rows]))
    return corr, slope


@pytest.mark.slow
def test_llama_cpp_applies_the_adapter_as_transformers_does(real_adapter: dict, embedded_gguf: Path):
    d = real_adapter
    adapter = d["dir"] / ADAPTER_GGUF
    assert adapter.stat().st_size < 6_000_000  # float16: ~4.7 MB for r=8 on 30 layers
    hf_delta = d["hf_lora"] - d["hf_base"]
    # the adapter really changes the model: beyond the quantization noise, and the top token at places
    assert (d["hf_lora"].argmax(-1) != d["hf_base"].argmax(-1)).mean() >= 0.1
    cpp_base = llama_cpp_logits(embedded_gguf, d["tokens"], None)
    cpp_lora = llama_cpp_logits(embedded_gguf, d["tokens"], adapter)
    noise = np.abs(cpp_base - d["hf_base"])[-LAST:].mean()
    assert np.abs(hf_delta[-LAST:]).mean() > 10 * noise

    corr, slope = delta_agreement(cpp_lora - cpp_base, hf_delta)
    agree = cpp_lora.argmax(-1) == d["hf_lora"].argmax(-1)
    top2 = np.sort(d["hf_lora"], axis=-1)[:, -2:]
    decided = top2[:, 1] - top2[:, 0] > 1.0  # transformers' top token leads by more than one logit
    print(f"\ncorrelation {np.round(corr, 4).tolist()} slope {slope:.3f} top-1 {agree.mean():.3f} "
          f"(decided positions {agree[decided].mean():.3f} of {decided.sum()}) "
          f"convert {d['convert_s']:.2f}s size {adapter.stat().st_size} B")
    # measured over 4 random adapters: correlation >= 0.993, slope 0.97-1.04, top-1 0.89-0.97 (every
    # mismatch a near tie, margin < 1 logit); without the q/k permutation the correlation drops to
    # 0.69-0.93, without the alpha/r scale to ~0.64 with a slope of ~0.2
    assert min(corr) > 0.97
    assert 0.85 < slope < 1.15
    assert agree.mean() >= 0.8
    assert decided.sum() >= 5 and agree[decided].all()
    assert np.abs(cpp_lora - d["hf_lora"])[-LAST:].max() < 4.0


@pytest.mark.slow
def test_the_comparison_catches_a_wrong_permutation(real_adapter: dict, embedded_gguf: Path, tmp_path: Path, monkeypatch):
    """The tolerances above are tight enough: the same adapter without the q/k permutation fails them."""
    from agent import model_files

    monkeypatch.setattr(model_files, "_permute", lambda w, *args: w)
    wrong = model_files.convert_adapter(real_adapter["dir"], tmp_path / "wrong.gguf")
    d = real_adapter
    cpp_base = llama_cpp_logits(embedded_gguf, d["tokens"], None)
    corr, slope = delta_agreement(llama_cpp_logits(embedded_gguf, d["tokens"], wrong) - cpp_base, d["hf_lora"] - d["hf_base"])
    print(f"\nwithout the permutation: correlation {np.round(corr, 4).tolist()} slope {slope:.3f}")
    assert min(corr) < 0.97


@pytest.mark.slow
def test_registry_builds_llama_cpp_with_the_adapter(real_adapter: dict, embedded_gguf: Path):
    from agent.backends.embedded import LlamaCppBackend
    from agent.backends.registry import make_backend
    from agent.messages import Message, Sampling

    ad = real_adapter["dir"]
    assert json.loads((ad / BASE_MARKER).read_text())["gguf"] == "embedded"
    backend = make_backend(Config(model=str(ad), n_ctx=2048, n_threads=1))
    assert isinstance(backend, LlamaCppBackend)
    assert backend.path == embedded_gguf and backend.lora_path == ad / ADAPTER_GGUF
    assert backend.model == "my-adapter"
    info = backend.describe()
    assert info["lora_path"] == str(ad / ADAPTER_GGUF) and info["lora_scale"] == 1.0 and info["n_ctx"] == 2048
    chunks = list(backend.stream([Message(role="user", content="Say hi.")], [], Sampling(max_tokens=8, temperature=0.0)))
    assert chunks[-1].kind == "usage" and chunks[-1].usage.completion_tokens > 0


@pytest.mark.slow
def test_the_lora_scale_comes_from_the_setting_else_the_adapter_else_one(real_adapter: dict, embedded_gguf: Path, tmp_path: Path):
    import shutil

    from agent.backends.registry import make_backend

    ad = real_adapter["dir"]
    scaled = tmp_path / "scaled"
    shutil.copytree(ad, scaled)
    marker = json.loads((scaled / BASE_MARKER).read_text())
    (scaled / BASE_MARKER).write_text(json.dumps({**marker, "lora_scale": 0.5}))

    def scale(model: Path, **kw) -> float:
        backend = make_backend(Config(model=str(model), n_ctx=256, n_threads=1, **kw))
        try:
            assert backend.describe()["lora_scale"] == backend.lora_scale
            return backend.lora_scale
        finally:
            backend.llm.close()

    assert scale(ad) == 1.0
    assert scale(scaled) == 0.5
    assert scale(scaled, lora_scale=0.25) == 0.25 and scale(ad, lora_scale=0.0) == 0.0
    for bad in (5, "strong", True, -1):  # out of range or not a number: the marker's value is ignored
        (scaled / BASE_MARKER).write_text(json.dumps({**marker, "lora_scale": bad}))
        assert scale(scaled) == 1.0
    with pytest.raises(ValueError, match="lora_scale"):
        Config(lora_scale=3)

    # llama.cpp applies it: at scale 0 the adapter changes nothing, at 0.5 the logits move part of the way
    tokens, adapter = real_adapter["tokens"], ad / ADAPTER_GGUF
    base = llama_cpp_logits(embedded_gguf, tokens, None)
    full = llama_cpp_logits(embedded_gguf, tokens, adapter) - base
    assert np.abs(llama_cpp_logits(embedded_gguf, tokens, adapter, 0.0) - base).max() < 1e-3
    half = llama_cpp_logits(embedded_gguf, tokens, adapter, 0.5) - base
    slope = float(np.mean([half[i] @ full[i] / (full[i] @ full[i]) for i in range(len(full) - LAST, len(full))]))
    print(f"\nlogit change at scale 0.5 against 1: slope {slope:.3f}")
    assert 0.1 < slope < 0.8  # measured 0.28: the logits are not linear in the scale


def test_embedded_is_the_base_with_the_shipped_adapter_and_embedded_base_is_the_base_alone(embedded_gguf: Path):
    from agent.backends.embedded import EMBEDDED_MODEL_NAME, TUNED_MODEL_NAME, shipped_adapter
    from agent.backends.registry import expected_context_window, make_backend, resolve_backend

    assert resolve_backend(Config(model="embedded-base")) == ("embedded", "embedded-base")
    assert expected_context_window(Config(model="embedded-base", n_ctx=4096)) == 4096
    base = make_backend(Config(model="embedded-base", n_ctx=1024, n_threads=1))
    assert base.path == embedded_gguf and base.lora_path is None and base.model == EMBEDDED_MODEL_NAME
    assert base.tool_prompt == "brief"  # an 8k-context model: brief tool descriptions, as training assumed
    default = make_backend(Config(model="embedded", n_ctx=1024, n_threads=1))
    assert default.path == embedded_gguf
    assert default.lora_path == shipped_adapter()
    assert default.model == (TUNED_MODEL_NAME if shipped_adapter() else EMBEDDED_MODEL_NAME)


def test_an_adapter_as_the_training_model_resolves_to_its_base(tmp_path: Path):
    """`limi-cli train -m ADAPTER`: the GGUF its marker names (embedded here) with the adapter to continue;
    an adapter naming no base says what to pass instead."""
    from training.model_source import ModelSourceError, adapter_settings, resolve_model

    ad = tmp_path / "ad"
    make_tiny_adapter(ad)
    (ad / BASE_MARKER).write_text(json.dumps({"gguf": "embedded"}))
    source = resolve_model(str(ad))
    assert source.adapter == str(ad.resolve()) and source.is_gguf and source.where == resolve_model("embedded").where
    assert source.label.endswith(f"+ LoRA adapter {ad}")
    assert set(adapter_settings(source.adapter)) == {"lora_r", "lora_alpha"}
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "adapter_config.json").write_text(json.dumps({"r": 4, "lora_alpha": 8}))
    with pytest.raises(ModelSourceError, match="names no base model"):
        resolve_model(str(bare))
