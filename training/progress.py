"""A training progress bar showing loss, tokens/s and ETA (the Trainer's own bar shows neither loss nor tokens/s).

Imported only by :mod:`training.sft` once training starts (it needs transformers).
"""

from __future__ import annotations

import shutil
import sys
import time

from tqdm.auto import tqdm
from transformers import TrainerCallback


class TrainingProgress(TrainerCallback):
    """One tqdm bar over optimizer steps; its postfix carries the latest loss, eval loss and tokens/s.

    Without a terminal (``enabled=False``: a log file, a pipeline) it prints a plain line instead,
    at most every ``line_every_s`` seconds and at the last step:
    ``step 20/140 loss 1.2345 eval 1.3012 tok/s 85 eta 23m40s``.
    """

    def __init__(self, tokens_per_epoch: int, enabled: bool = True, line_every_s: float = 60.0):
        self.tokens_per_epoch = tokens_per_epoch
        self.enabled = enabled
        self.line_every_s = line_every_s
        self.last_line: float | None = None  # when the last plain line was printed; None: none yet
        self.bar = None
        self.started = 0.0
        self.first_step = 0
        self.first_tokens = 0
        self.postfix: dict[str, str] = {}

    def on_train_begin(self, args, state, control, **kwargs):
        if state.is_world_process_zero and self.enabled:
            width = shutil.get_terminal_size((100, 20)).columns  # a 0-column pty would make tqdm print nothing
            self.bar = tqdm(total=state.max_steps, initial=state.global_step, unit="step", ncols=width, file=sys.stderr)
        self.started, self.first_step = time.monotonic(), state.global_step
        self.first_tokens = getattr(state, "num_input_tokens_seen", 0) or 0

    def on_step_end(self, args, state, control, **kwargs):
        now = time.monotonic()
        elapsed = now - self.started
        seen = self._tokens_seen(state)
        if elapsed > 0 and seen:
            self.postfix["tok/s"] = f"{seen / elapsed:,.0f}"
        if self.bar is not None:
            self.bar.update(state.global_step - self.bar.n)
            self.bar.set_postfix(self.postfix, refresh=True)
        elif state.is_world_process_zero and (
            self.last_line is None or now - self.last_line >= self.line_every_s or state.global_step >= state.max_steps
        ):
            self.last_line = now
            print(self.line(state.global_step, state.max_steps, elapsed), file=sys.stderr, flush=True)

    def line(self, step: int, total: int, elapsed: float) -> str:
        """The plain progress line printed when there is no terminal."""
        done = step - self.first_step
        eta = elapsed / done * (total - step) if done > 0 else 0.0
        minutes, seconds = divmod(int(eta), 60)
        parts = [f"step {step}/{total}"] + [f"{k} {self.postfix[k]}" for k in ("loss", "eval", "tok/s") if k in self.postfix]
        return " ".join(parts + [f"eta {minutes}m{seconds:02d}s"])

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        if "loss" in logs:
            self.postfix["loss"] = f"{logs['loss']:.4f}"
        if "eval_loss" in logs:
            self.postfix["eval"] = f"{logs['eval_loss']:.4f}"
        if self.bar is not None:
            self.bar.set_postfix(self.postfix, refresh=True)

    def on_train_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def _tokens_seen(self, state) -> float:
        """Tokens processed since this run (re)started: the Trainer's count, else the per-epoch share."""
        if getattr(state, "num_input_tokens_seen", 0):
            return state.num_input_tokens_seen - self.first_tokens
        steps_per_epoch = max(1.0, state.max_steps / max(state.num_train_epochs, 1))
        return self.tokens_per_epoch * (state.global_step - self.first_step) / steps_per_epoch
