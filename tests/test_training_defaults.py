"""Training defaults that fit the device: max_length at most the model's context, packing only
on a GPU, a refusal (without --force) when the memory estimate exceeds what is free, a first
progress line with an ETA before the first step ends, and a summary that names --max-steps."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import SimpleNamespace

import pytest

from training.config import build_config
from training.plan import memory_problem, resolve_defaults

DATA = Path(__file__).parent / "data" / "limi_rows.jsonl"


def limi_train(*argv: str) -> int:
    from limi_cli.commands import train

    parser = argparse.ArgumentParser(prog="limi-cli")
    train.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["train", *argv])
    return args.handler(args)


def config(**flags):
    return build_config(data=[DATA], model="embedded", output_dir=Path("out"), **flags)


def test_max_length_defaults_to_the_context_and_packing_is_off_on_the_cpu():
    resolved, notes = resolve_defaults(config(), 8192, cuda=False)
    assert resolved.max_length == 8192 and resolved.packing is False
    assert any("packing off on the CPU" in n for n in notes)
    on_gpu, _ = resolve_defaults(config(), 8192, cuda=True)
    assert on_gpu.packing is True and on_gpu.max_length == 8192


def test_a_max_length_over_the_context_is_cut_to_it_with_a_note():
    resolved, notes = resolve_defaults(config(max_length=32768, packing=False), 8192, cuda=False)
    assert resolved.max_length == 8192 and resolved.packing is False
    assert notes == ["max_length 32768 is over the model's context (8192); using 8192"]


def test_memory_over_what_is_free_is_one_line_naming_force():
    line = memory_problem({"total_gib": 15.86}, 3.2)
    assert line and "15.9 GiB" in line and "3.2 GiB" in line and "--force" in line
    assert memory_problem({"total_gib": 1.0}, 3.2) is None and memory_problem({"total_gib": 99.0}, None) is None


def test_dry_run_on_the_embedded_model_plans_for_this_machine(capsys):
    """SmolLM2-135M (8k context) on a CPU: max_length 8192, no packing, and the plan fits in memory."""
    assert limi_train(str(DATA), "-m", "embedded", "--dry-run", "--lora", "--max-steps", "2") == 0
    captured = capsys.readouterr()
    assert "steps: 2 (--max-steps, batch 1 x 1 accumulation, max_length 8192, packing off)" in captured.out
    assert "warning:" not in captured.out
    assert "packing off on the CPU" in captured.err


def test_a_run_whose_estimate_exceeds_free_memory_is_refused_without_force(tiny_hf_model_dir, tmp_path, capsys):
    from limi_cli.commands.common import UserError

    out = tmp_path / "out"
    with pytest.raises(UserError, match="--force"):
        limi_train(str(DATA), "-m", str(tiny_hf_model_dir), "-o", str(out), "--batch-size", "10000000", "--max-steps", "1")
    assert not out.exists()
    assert limi_train(str(DATA), "-m", str(tiny_hf_model_dir), "--dry-run", "--batch-size", "10000000") == 0
    assert "warning: the run needs about" in capsys.readouterr().out


def test_progress_prints_the_first_step_on_a_machine_up_for_minutes(monkeypatch, capsys):
    """time.monotonic() counts from boot: a fresh CI machine may be up for only a few seconds."""
    from transformers import TrainerState

    import training.progress as progress_module

    # the module's clock only: patching time.monotonic itself would stop every other thread's clock too
    monkeypatch.setattr(progress_module, "time", SimpleNamespace(monotonic=lambda: 12.0))
    progress = progress_module.TrainingProgress(tokens_per_epoch=100, enabled=False, line_every_s=60)
    state = TrainerState(max_steps=10, num_train_epochs=1, global_step=0)
    progress.on_train_begin(None, state, None)
    state.global_step = 1
    progress.on_step_end(None, state, None)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("step ")]  # not stray finalizer logs
    assert lines and lines[0].startswith("step 1/10")


def test_a_log_gets_a_line_with_an_eta_before_the_first_step_ends(tiny_hf_model_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert limi_train(str(DATA), "-m", str(tiny_hf_model_dir), "-o", str(out), "--max-steps", "2", "--lora") == 0
    err = capsys.readouterr().err.splitlines()
    first = next(i for i, line in enumerate(err) if line.startswith("step 0/2: training on ~"))
    assert " eta ~" in err[first]
    assert any(line.startswith("step 1/2") for line in err[first + 1:])
