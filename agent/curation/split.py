"""``limi-cli data split``: train / held-out by task, never the same task on both sides."""

from __future__ import annotations

import math
import random

from agent.curation.filters import normalize_task
from agent.rows import DatasetRow


def split_by_task(rows: list[DatasetRow], heldout: float = 0.1, seed: int = 0) -> tuple[list[DatasetRow], list[DatasetRow]]:
    """(train, held-out): whole tasks go to one side. ``heldout`` is the fraction of tasks
    held out (at least one task when there are two or more and the fraction is > 0).
    The same inputs and seed always give the same split."""
    if not 0 <= heldout < 1:
        raise ValueError("the held-out fraction must be in [0, 1)")
    tasks = sorted({normalize_task(t.task) for t in rows})
    random.Random(seed).shuffle(tasks)
    n = math.ceil(heldout * len(tasks)) if heldout > 0 else 0
    if n >= len(tasks):
        n = len(tasks) - 1
    held = set(tasks[:n])
    train = [t for t in rows if normalize_task(t.task) not in held]
    test = [t for t in rows if normalize_task(t.task) in held]
    return train, test
