"""``limi-cli train`` under ``accelerate launch``: two processes on the CPU, talking over gloo, with
DDP and with FSDP2, train like one process with the same global batch.

The runs use the configs a person uses on GPUs (``training/accelerate/ddp.yaml``,
``fsdp2.yaml``) with ``--num_processes 2 --mixed_precision no``, which is how they run on a
machine without a GPU. The reference is one process with ``--batch-size 2``; the distributed
runs have ``--batch-size 1`` on each of 2 processes: the same 2 rows per step, in the same order.
The data is 12 short rows, 1 of them held out, so the eval loss before and after training is
taken too (before training, FSDP2 can only evaluate inside ``train()``).

Tolerance (``TOL``, absolute, on a loss of ~10.8 and on logits): both sides see the same rows
with the same weights in float32, and nothing random happens (Llama has no dropout; the LoRA
runs set ``lora_dropout = 0``), so what differs is the order of float sums (a batch of two vs
an all-reduce of two) and the padding of the shorter row in the batch of two. Measured: losses
agree to within 2e-6 and logits to within 1e-6. A real mistake (rows split wrongly, a different
global batch, a per-process loss average) changes which tokens a step averages over: a global
batch of 4 instead of 2 moves the three losses by 3e-3, 2e-2 and 5e-2, a global batch of 1 by
6e-3, 1e-1 and 1e-1. 1e-3 is 500 times the float noise and below the smallest of those.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).parent.parent
DATA = ROOT / "tests" / "data" / "limi_rows.jsonl"  # 4 short rows, ~200 tokens each
CONFIGS = ROOT / "training" / "accelerate"
TOL = 1e-3
STEPS = 3
# 3 steps of the recipe without warm-up; lr high enough that the weights move visibly (logits by ~0.2)
RECIPE = ["--no-packing", "--max-steps", str(STEPS), "--lr", "1e-3", "--warmup-steps", "0", "--max-length", "512"]
TIMEOUT = 900  # one run: seconds when idle; minutes on a loaded 2-core machine

pytestmark = pytest.mark.timeout(3 * TIMEOUT)


def clean_env() -> dict[str, str]:
    """This environment without any launcher's variables; one thread per process, so that float
    sums do not depend on how many threads a loaded machine gives each process."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ACCELERATE_", "FSDP_")) and k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_PORT")}
    env.update(OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1")
    return env


def run(cmd: list[str]) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=clean_env(), cwd=ROOT)
    assert proc.returncode == 0, f"{' '.join(cmd)}\nexit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    return proc


@pytest.fixture(scope="module")
def rows(tmp_path_factory) -> Path:
    """12 rows (the 4 of tests/data three times): 11 to train on, 1 held out for the eval loss (5%)."""
    path = tmp_path_factory.mktemp("data") / "rows.jsonl"
    path.write_text("".join(DATA.read_text().splitlines(keepends=True) * 3))
    return path


def train_one_process(rows: Path, model: Path, out: Path, *argv: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "limi_cli.cli", "train", str(rows), "-m", str(model), "-o", str(out),
                *RECIPE, "--batch-size", "2", *argv])


def train_two_processes(config: str, port: int, rows: Path, model: Path, out: Path, *argv: str) -> subprocess.CompletedProcess:
    """``accelerate launch`` of ``limi-cli train`` on 2 CPU processes; a new port if the one given was taken meanwhile."""
    def cmd(p: int) -> list[str]:
        return [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(CONFIGS / config),
                "--num_processes", "2", "--mixed_precision", "no", "--main_process_port", str(p),
                "-m", "limi_cli.cli", "train", str(rows), "-m", str(model), "-o", str(out), *RECIPE,
                "--batch-size", "1", *argv]

    try:
        return run(cmd(port))
    except AssertionError as e:
        if "EADDRINUSE" not in str(e) and "address already in use" not in str(e):
            raise
        return run(cmd(free_port()))


def losses(out: Path) -> list[tuple[int, float]]:
    metrics = json.loads((out / "training_metrics.json").read_text())
    return [(h["step"], h["loss"]) for h in metrics["log_history"] if "loss" in h]


def distributed(out: Path) -> dict:
    return json.loads((out / "training_metrics.json").read_text())["distributed"]


def assert_trains_like(out: Path, reference: Path) -> None:
    got, want = losses(out), losses(reference)
    assert [s for s, _ in got] == [s for s, _ in want] == list(range(1, STEPS + 1))
    assert all(abs(a - b) <= TOL for (_, a), (_, b) in zip(got, want)), (got, want)
    # one eval row: the Trainer averages eval loss per eval batch, so with more rows it would depend on the batch
    metrics, ref = (json.loads((d / "training_metrics.json").read_text()) for d in (out, reference))
    for key in ("eval_loss_before", "eval_loss_after"):
        assert abs(metrics[key] - ref[key]) <= TOL, (key, metrics[key], ref[key])
    assert metrics["eval_loss_after"] < metrics["eval_loss_before"]


def assert_rank_zero_spoke_once(proc: subprocess.CompletedProcess) -> None:
    """The plan, the progress lines and the result come from rank 0 only (rank 1 trains silently)."""
    assert proc.stderr.count("limi-cli train: 12 rows") == 1, proc.stderr[-3000:]
    assert proc.stdout.count("rows: 12 (11 train, 1 eval)") == 1 and proc.stdout.count("saved ") == 1, proc.stdout
    assert sum(line.startswith(f"step {STEPS}/{STEPS}") for line in proc.stderr.splitlines()) == 1, proc.stderr[-3000:]


def logits(model, tokenizer):
    import torch

    ids = tokenizer("def main():\n    print('hello world')\n", return_tensors="pt").input_ids
    model.eval()
    with torch.no_grad():
        return model(ids).logits


@pytest.fixture(scope="module")
def reference(rows, tiny_hf_model_dir, tmp_path_factory) -> Path:
    """A full fine-tune in one process, global batch 2."""
    out = tmp_path_factory.mktemp("one_process") / "full"
    train_one_process(rows, tiny_hf_model_dir, out)
    return out


@pytest.fixture(scope="module")
def lora_settings(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("settings") / "lora.toml"
    path.write_text("lora = true\nlora_dropout = 0.0\n")  # no dropout: nothing random, so runs compare exactly
    return path


@pytest.fixture(scope="module")
def lora_reference(rows, tiny_hf_model_dir, lora_settings, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("one_process") / "lora"
    train_one_process(rows, tiny_hf_model_dir, out, "-c", str(lora_settings))
    return out


def assert_full_checkpoint_like(out: Path, reference: Path, base: Path) -> None:
    """The output dir loads with transformers' from_pretrained and predicts what the reference predicts."""
    import transformers

    tokenizer = transformers.AutoTokenizer.from_pretrained(str(out))
    got = logits(transformers.AutoModelForCausalLM.from_pretrained(str(out)), tokenizer)
    want = logits(transformers.AutoModelForCausalLM.from_pretrained(str(reference)), tokenizer)
    untrained = logits(transformers.AutoModelForCausalLM.from_pretrained(str(base)), tokenizer)
    assert (got - want).abs().max().item() <= TOL
    assert (want - untrained).abs().max().item() > 50 * TOL  # the comparison means something: training moved them


def test_ddp_on_two_cpu_processes_trains_like_one_process(rows, tiny_hf_model_dir, reference, unused_port, tmp_path):
    out = tmp_path / "ddp"
    proc = train_two_processes("ddp.yaml", unused_port, rows, tiny_hf_model_dir, out)
    assert distributed(out) == {"type": "MULTI_CPU", "processes": 2, "wrapper": "DistributedDataParallel"}
    assert_trains_like(out, reference)
    assert_rank_zero_spoke_once(proc)
    assert {"README.md", "training_metrics.json", "tokenizer.json", "model.safetensors"} <= {p.name for p in out.iterdir()}
    assert_full_checkpoint_like(out, reference, tiny_hf_model_dir)


def test_fsdp2_on_two_cpu_processes_trains_like_one_process(rows, tiny_hf_model_dir, reference, unused_port, tmp_path):
    out = tmp_path / "fsdp2"
    proc = train_two_processes("fsdp2.yaml", unused_port, rows, tiny_hf_model_dir, out)
    # really sharded: accelerate on its own would fall back to DDP on the CPU (training.distributed.fsdp_on_cpu)
    assert distributed(out) == {"type": "FSDP", "processes": 2, "fsdp_version": 2, "wrapper": "FSDPLlamaForCausalLM"}
    assert_trains_like(out, reference)
    assert_rank_zero_spoke_once(proc)
    assert_full_checkpoint_like(out, reference, tiny_hf_model_dir)  # the full state dict, gathered on rank 0


def test_fsdp2_lora_adapter_trains_like_one_process_and_loads_with_peft(rows, tiny_hf_model_dir, lora_reference,
                                                                        lora_settings, unused_port, tmp_path):
    import transformers
    from peft import PeftModel

    out = tmp_path / "fsdp2_lora"
    proc = train_two_processes("fsdp2.yaml", unused_port, rows, tiny_hf_model_dir, out, "-c", str(lora_settings))
    assert distributed(out)["wrapper"] == "FSDPPeftModelForCausalLM"
    assert_trains_like(out, lora_reference)
    assert_rank_zero_spoke_once(proc)
    adapter = json.loads((out / "adapter_config.json").read_text())
    assert Path(adapter["base_model_name_or_path"]) == tiny_hf_model_dir.resolve()
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(out))

    def tuned(path: Path):
        return PeftModel.from_pretrained(transformers.AutoModelForCausalLM.from_pretrained(str(tiny_hf_model_dir)), str(path))

    got, want = logits(tuned(out), tokenizer), logits(tuned(lora_reference), tokenizer)
    untrained = logits(transformers.AutoModelForCausalLM.from_pretrained(str(tiny_hf_model_dir)), tokenizer)
    assert (got - want).abs().max().item() <= TOL
    assert (want - untrained).abs().max().item() > 10 * TOL
