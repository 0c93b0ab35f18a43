"""Training for real on CPU: a tiny random Llama (SmolLM2's tokenizer and template) learns, and what
``limi-cli train`` saves loads back through the agent's own HF backend and generates."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from agent.messages import Message, Sampling


DATA = Path(__file__).parent / "data" / "limi_rows.jsonl"


def limi_train(*argv: str) -> int:
    """``limi-cli train ARGV`` through the command's own parser and handler."""
    from limi_cli.commands import train

    parser = argparse.ArgumentParser(prog="limi-cli")
    train.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["train", *argv])
    return args.handler(args)


@pytest.fixture(scope="module")
def two_rows(tmp_path_factory) -> Path:
    """Two short rows (a tool call, and a multi-turn chat), small enough to pack into one sequence."""
    lines = DATA.read_text().splitlines()
    path = tmp_path_factory.mktemp("data") / "two.jsonl"
    path.write_text(lines[0] + "\n" + lines[3] + "\n")
    return path


@pytest.fixture(scope="module")
def trained_full(tiny_hf_model_dir, two_rows, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("train") / "full"
    code = limi_train(str(two_rows), "-m", str(tiny_hf_model_dir), "-o", str(out), "--packing", "--epochs", "6", "--lr", "3e-3",
                      "--warmup-steps", "0", "--no-gradient-checkpointing", "--max-length", "512")
    assert code == 0
    return out


def test_tiny_model_trains_on_cpu_and_its_loss_falls(trained_full):
    metrics = json.loads((trained_full / "training_metrics.json").read_text())
    losses = [h["loss"] for h in metrics["log_history"] if "loss" in h]
    assert metrics["steps"] == 6 and len(losses) == 6
    assert losses[-1] < losses[0] - 0.5, losses


def test_output_dir_has_weights_tokenizer_template_card_and_loss_curve(trained_full):
    names = {p.name for p in trained_full.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "chat_template.jinja", "README.md", "loss_curve.png"} <= names
    card = (trained_full / "README.md").read_text()
    assert f"limi-cli run -m {trained_full}" in card and f"vllm serve {trained_full}" in card
    assert "two.jsonl" in card and "trained on" in card


def test_trained_checkpoint_loads_in_the_hf_backend_and_generates(trained_full):
    from agent.backends.hf import HFBackend

    backend = HFBackend(trained_full, device="cpu")
    chunks = list(backend.stream([Message(role="user", content="Say hi.")], [], Sampling(temperature=0, max_tokens=8)))
    assert chunks[-1].usage.completion_tokens > 0


def test_lora_adapter_on_a_checkpoint_loads_in_the_hf_backend(tiny_hf_model_dir, two_rows, tmp_path):
    from agent.backends.hf import HFBackend

    out = tmp_path / "adapter"
    code = limi_train(str(two_rows), "-m", str(tiny_hf_model_dir), "-o", str(out), "--packing", "--lora", "--max-steps", "2",
                      "--lr", "1e-3", "--no-gradient-checkpointing", "--max-length", "512")
    assert code == 0
    adapter = json.loads((out / "adapter_config.json").read_text())
    assert Path(adapter["base_model_name_or_path"]) == tiny_hf_model_dir.resolve()
    assert "--enable-lora" in (out / "README.md").read_text()
    backend = HFBackend(out, device="cpu")
    chunks = list(backend.stream([Message(role="user", content="Hi")], [], Sampling(temperature=0, max_tokens=4)))
    assert backend.base_path and chunks[-1].usage.completion_tokens > 0


def test_an_adapter_as_the_model_continues_training_from_its_weights(tiny_hf_model_dir, two_rows, tmp_path):
    """`-m ADAPTER --lora` starts from the adapter's weights, keeps its rank, and saves onto the same base."""
    from safetensors.torch import load_file

    from limi_cli.commands.common import UserError

    first, more = tmp_path / "first", tmp_path / "more"
    common = ("--packing", "--no-gradient-checkpointing", "--max-length", "512")
    assert limi_train(str(two_rows), "-m", str(tiny_hf_model_dir), "-o", str(first), "--lora", "--lora-r", "4",
                      "--max-steps", "3", "--lr", "5e-3", "--warmup-steps", "0", *common) == 0
    with pytest.raises(UserError, match="continue training it with --lora"):
        limi_train(str(two_rows), "-m", str(first), "-o", str(more), *common)
    assert limi_train(str(two_rows), "-m", str(first), "-o", str(more), "--lora", "--lora-r", "16", "--max-steps", "1",
                      "--lr", "1e-12", "--min-lr", "0", "--warmup-steps", "0", *common) == 0
    config = json.loads((more / "adapter_config.json").read_text())
    assert config["r"] == 4 and Path(config["base_model_name_or_path"]) == tiny_hf_model_dir.resolve()
    before, after = load_file(first / "adapter_model.safetensors"), load_file(more / "adapter_model.safetensors")
    assert before.keys() == after.keys()
    b_weights = [k for k in before if "lora_B" in k]
    assert b_weights and any(before[k].abs().max() > 0 for k in b_weights)  # the first run moved B off its zero start
    for k in before:  # a learning rate of ~0: the continued adapter is the first one, not a fresh one
        assert (before[k] - after[k]).abs().max() < 1e-6, k
    assert "LoRA adapter" in json.loads((more / "training_metrics.json").read_text())["base_model"]


def test_dry_run_prints_rows_tokens_trained_share_steps_and_memory(tiny_hf_model_dir, capsys):
    assert limi_train(str(DATA), "-m", str(tiny_hf_model_dir), "--dry-run", "--lora", "--packing") == 0
    out = capsys.readouterr().out
    assert "rows: 4" in out and "trained on (" in out and "steps: 4" in out and "memory (rough" in out


def run_cli(*argv: str) -> subprocess.CompletedProcess:
    """``limi-cli train`` in a fresh interpreter that reports which heavy modules it imported."""
    code = (
        "import sys, argparse\n"
        "from limi_cli.commands import train\n"
        "from limi_cli.cli import main\n"
        "p = argparse.ArgumentParser(prog='limi-cli'); train.register(p.add_subparsers())\n"
        "try:\n"
        "    args = p.parse_args(sys.argv[1:]); args.handler(args)\n"
        "except SystemExit: pass\n"
        "except Exception as e: print('error:', e)\n"
        "print('heavy:', sorted(m for m in ('torch', 'transformers', 'trl', 'peft') if m in sys.modules))\n"
    )
    return subprocess.run([sys.executable, "-c", code, "train", *argv], capture_output=True, text=True, timeout=180,
                          cwd=Path(__file__).parent.parent)


def test_train_help_imports_no_heavy_library():
    proc = run_cli("--help")
    assert "--dry-run" in proc.stdout and "heavy: []" in proc.stdout


def test_missing_model_is_one_line_before_any_heavy_import(tmp_path):
    proc = run_cli(str(DATA), "-m", str(tmp_path / "nope"), "-o", str(tmp_path / "out"))
    assert "error: model" in proc.stdout and "does not exist" in proc.stdout and "heavy: []" in proc.stdout


def test_model_dir_without_chat_template_is_refused_before_loading(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "tokenizer.json").write_text("{}")
    proc = run_cli(str(DATA), "-m", str(tmp_path), "-o", str(tmp_path / "out"))
    assert "has no chat template" in proc.stdout and "heavy: []" in proc.stdout


def test_resume_goes_on_from_the_latest_checkpoint(trained_full, two_rows, tiny_hf_model_dir, tmp_path):
    import shutil

    out = tmp_path / "resumed"
    shutil.copytree(trained_full, out)
    assert (out / "checkpoints" / "checkpoint-6").is_dir()
    code = limi_train(str(two_rows), "-m", str(tiny_hf_model_dir), "-o", str(out), "--packing", "--epochs", "7", "--lr", "3e-3",
                      "--warmup-steps", "0", "--no-gradient-checkpointing", "--max-length", "512", "--resume")
    metrics = json.loads((out / "training_metrics.json").read_text())
    assert code == 0 and metrics["steps"] == 7
    assert [h["step"] for h in metrics["log_history"] if "loss" in h][-1] == 7


def test_resume_without_a_checkpoint_is_one_line(tiny_hf_model_dir, two_rows, tmp_path):
    from limi_cli.commands.common import UserError

    with pytest.raises(UserError, match="no checkpoint to resume from"):
        limi_train(str(two_rows), "-m", str(tiny_hf_model_dir), "-o", str(tmp_path / "fresh"), "--resume")


def test_progress_without_a_terminal_prints_plain_lines_with_loss_and_eta(capsys):
    from transformers import TrainerState

    from training.progress import TrainingProgress

    progress = TrainingProgress(tokens_per_epoch=1000, enabled=False, line_every_s=3600)
    state = TrainerState(max_steps=10, num_train_epochs=2, global_step=0)
    progress.on_train_begin(None, state, None)
    progress.on_log(None, state, None, logs={"loss": 1.5})
    state.global_step = 1
    progress.on_step_end(None, state, None)  # the first step prints
    state.global_step = 5
    progress.on_step_end(None, state, None)  # within line_every_s: nothing
    state.global_step = 10
    progress.on_log(None, state, None, logs={"loss": 0.75, "eval_loss": 0.9})
    progress.on_step_end(None, state, None)  # the last step always prints
    # only the progress lines: on a busy machine a finalizer of an earlier test may log to stderr meanwhile
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("step ")]
    assert len(lines) == 2
    assert lines[0].startswith("step 1/10 loss 1.5000") and "eta " in lines[0]
    assert lines[1].startswith("step 10/10 loss 0.7500 eval 0.9000 tok/s ") and lines[1].endswith("eta 0m00s")


def test_qlora_without_bitsandbytes_or_on_a_gguf_is_one_line_before_any_heavy_import(tmp_path):
    import importlib.util

    from limi_cli.commands.common import UserError
    from training.model_source import ModelSource

    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    proc = run_cli(str(DATA), "-m", str(gguf), "-o", str(tmp_path / "out"), "--qlora")
    assert "QLoRA quantizes a Hugging Face checkpoint" in proc.stdout and "heavy: []" in proc.stdout
    if importlib.util.find_spec("bitsandbytes") is None:
        with pytest.raises(Exception, match="pip install 'limi-cli\\[qlora\\]'"):
            ModelSource(str(tmp_path), None, "x").check_qlora()
    with pytest.raises(UserError, match="--merge would merge into 4-bit weights"):
        limi_train(str(DATA), "-m", str(gguf), "-o", str(tmp_path / "out"), "--qlora", "--merge")


def test_qlora_dry_run_plans_without_bitsandbytes_and_counts_4_bit_weights(tiny_hf_model_dir, capsys, tmp_path):
    import transformers

    from training.config import TrainConfig
    from training.plan import estimate_memory

    assert limi_train(str(DATA), "-m", str(tiny_hf_model_dir), "--dry-run", "--qlora") == 0
    assert "memory (rough" in capsys.readouterr().out
    model_config = transformers.AutoConfig.from_pretrained(str(tiny_hf_model_dir))
    base = dict(data=[DATA], model="x", output_dir=tmp_path)
    lora = estimate_memory(model_config, TrainConfig(**base, lora=True), False, 512)
    qlora = estimate_memory(model_config, TrainConfig(**base, qlora=True), False, 512)
    assert TrainConfig(**base, qlora=True).lora
    assert qlora["weights_gib"] * 7 < lora["weights_gib"] and qlora["optimizer_gib"] == lora["optimizer_gib"]
