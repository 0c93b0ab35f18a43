"""``limi-cli data split``: train / held-out by task, never the same task on both sides."""

from __future__ import annotations

import math
import random

from agent.curation.dataset_io import Trajectory
from agent.curation.filters import normalize_task


def split_by_task(trajectories: list[Trajectory], heldout: float = 0.1, seed: int = 0) -> tuple[list[Trajectory], list[Trajectory]]:
    """(train, held-out): whole tasks go to one side. ``heldout`` is the fraction of tasks
    held out (at least one task when there are two or more and the fraction is > 0).
    The same inputs and seed always give the same split."""
    if not 0 <= heldout < 1:
        raise ValueError("the held-out fraction must be in [0, 1)")
    tasks = sorted({normalize_task(t.task) for t in trajectories})
    random.Random(seed).shuffle(tasks)
    n = math.ceil(heldout * len(tasks)) if heldout > 0 else 0
    if n >= len(tasks):
        n = len(tasks) - 1
    held = set(tasks[:n])
    train = [t for t in trajectories if normalize_task(t.task) not in held]
    test = [t for t in trajectories if normalize_task(t.task) in held]
    return train, test
