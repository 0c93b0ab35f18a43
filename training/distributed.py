"""Where this process sits in a run started by ``accelerate launch`` (or torchrun), and FSDP2 on the CPU.

The launcher sets ``RANK`` and ``WORLD_SIZE`` for every process before Python starts, so the
rank is known before torch is imported: the plan and the progress lines are printed once, by
rank 0, and only rank 0 writes the model card, the metrics and the tokenizer.
"""

from __future__ import annotations

import os
from typing import Any


def rank() -> int:
    """This process's global rank (0 outside a distributed run)."""
    return int(os.environ.get("RANK", "0"))


def world_size() -> int:
    """Processes in the run, on all machines (1 outside a distributed run)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_main_process() -> bool:
    return rank() == 0


def fsdp_requested() -> bool:
    """``accelerate launch`` with an FSDP config (it exports ``ACCELERATE_USE_FSDP``)."""
    return os.environ.get("ACCELERATE_USE_FSDP", "false").lower() == "true"


def fsdp_on_cpu() -> None:
    """Set accelerate's state up as FSDP over gloo, on a machine without a GPU.

    accelerate selects FSDP only on an accelerator (CUDA, XPU, ...): on the CPU its state stays
    ``MULTI_CPU`` and the Trainer would wrap the model in DDP, silently. torch's FSDP2
    (``fully_shard``) runs on the CPU over gloo, so the state is set up here, with the plugin
    read from the ``FSDP_*`` variables ``accelerate launch`` exports, and the Trainer is told to
    use it (``use_configured_state``). This is how the FSDP2 path is tested without a GPU.
    """
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState, PartialState
    from accelerate.utils import DistributedType, FullyShardedDataParallelPlugin

    Accelerator(cpu=True)  # initialises the gloo process group and the shared state
    state = AcceleratorState()
    state.fsdp_plugin = FullyShardedDataParallelPlugin()
    # both shared states: every later AcceleratorState() copies PartialState's over its own
    state.distributed_type = PartialState().distributed_type = DistributedType.FSDP


def describe(trainer: Any) -> dict[str, Any]:
    """How the run is spread: accelerate's distributed type (NO, MULTI_CPU, MULTI_GPU, FSDP,
    DEEPSPEED), the processes, and the FSDP version."""
    accelerator = trainer.accelerator
    kind = str(getattr(accelerator.distributed_type, "value", accelerator.distributed_type))
    info: dict[str, Any] = {"type": kind, "processes": accelerator.num_processes}
    if trainer.is_fsdp_enabled:
        info["fsdp_version"] = accelerator.state.fsdp_plugin.fsdp_version
    return info
