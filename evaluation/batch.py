"""Many tasks in parallel worker processes; each result is appended to
``RUN_DIR/results.jsonl`` the moment its task finishes.

A llama.cpp model (embedded, a .gguf file, a GGUF LoRA) is loaded once in this process and
shared: ``workers`` threads each run a task on a slot of one
:class:`~agent.backends.llama_batch.BatchEngine`, which decodes the slots together. Other
in-process models (an HF checkpoint) load once per worker process and serve every task that
worker runs; served models (OpenAI-compatible) are shared by all workers through the server,
which batches their requests. ``workers=1`` runs in this process, as always.

``resume`` skips tasks that already have a result; ``rerun_failed`` also runs again those
whose result is ``fail`` or ``error``. A task in flight when the batch is interrupted has no
result line, so the next ``--resume`` runs it.
"""

from __future__ import annotations

import json
import multiprocessing
import queue
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from evaluation.results import ResultsFile, RunResult
from evaluation.task import Suite, Task

RUN_META = "run.json"


class RunDirError(Exception):
    """The run directory does not fit this batch (results of another run, no --resume)."""


@dataclass
class BatchPlan:
    """What a batch will run: the tasks still to do and how many attempts each had."""

    todo: list[Task]
    attempts: dict[str, int]
    skipped: int


def plan_batch(suite: Suite, run_dir: Path, meta: dict, resume: bool, rerun_failed: bool) -> BatchPlan:
    """Check ``run_dir`` against this batch and choose the tasks still to run."""
    results = ResultsFile(run_dir)
    latest = results.latest()
    meta_path = run_dir / RUN_META
    if latest and not (resume or rerun_failed):
        raise RunDirError(f"{results.path} already holds {len(latest)} results; pass --resume to continue it, "
                          "--rerun-failed to run failed ones again, or choose another -o")
    if meta_path.is_file() and (resume or rerun_failed):
        old = json.loads(meta_path.read_text(encoding="utf-8"))
        for key in ("model", "rounds"):
            if old.get(key) != meta.get(key):
                raise RunDirError(f"{meta_path}: this run used {key} {old.get(key)!r}, not {meta.get(key)!r}; "
                                  "use another -o for a different setting")
    counts: dict[str, int] = {}
    for r in results.read():
        counts[r.task_id] = counts.get(r.task_id, 0) + 1
    todo = [t for t in suite.tasks if t.id not in latest or (rerun_failed and latest[t.id].status != "pass")]
    return BatchPlan(todo, {t.id: counts.get(t.id, 0) + 1 for t in todo}, len(suite.tasks) - len(todo))


def write_meta(run_dir: Path, meta: dict) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / RUN_META
    if not path.is_file():
        meta = {**meta, "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def run_batch(
    suite: Suite,
    config,
    run_dir: Path,
    *,
    workers: int = 1,
    rounds: int = 1,
    resume: bool = False,
    rerun_failed: bool = False,
    on_result: Callable[[RunResult], None] | None = None,
    on_plan: Callable[[BatchPlan], None] | None = None,
) -> list[RunResult]:
    """Run the suite's tasks still to do; return the results of this invocation, in finishing order."""
    run_dir = Path(run_dir).resolve()
    meta = {"suite": suite.source, "suite_name": suite.name, "split": suite.split, "model": config.model, "rounds": rounds}
    plan = plan_batch(suite, run_dir, meta, resume, rerun_failed)
    write_meta(run_dir, meta)
    if on_plan:
        on_plan(plan)
    results_file, done = ResultsFile(run_dir), []

    def record(result: RunResult) -> None:
        results_file.append(result)
        done.append(result)
        if on_result:
            on_result(result)

    config_data = config.model_dump()
    if workers <= 1:
        _init_worker(config_data, str(run_dir), rounds, True)
        for task in plan.todo:
            record(_run_one(task, plan.attempts[task.id]))
        return done
    if _shares_one_model(config):
        _run_shared(plan, config, run_dir, workers, rounds, record)
        return done
    ctx = multiprocessing.get_context("spawn")  # no fork of a parent holding threads or a model
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(config_data, str(run_dir), rounds)) as pool:
        pending: dict[Future, Task] = {pool.submit(_run_one, t, plan.attempts[t.id]): t for t in plan.todo}
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    task = pending.pop(future)
                    record(_collect(future, task, config.model, rounds, plan.attempts[task.id]))
        except BaseException:  # ctrl+c, SIGTERM: what finished is recorded; tasks in flight run again on --resume
            pool.shutdown(wait=False, cancel_futures=True)
            for process in list((pool._processes or {}).values()):
                process.terminate()
            raise
    return done


def _shares_one_model(config) -> bool:
    """A llama.cpp model: its workers are threads around one loaded copy (the engine batches them)."""
    from agent.backends.registry import resolve_backend

    try:
        kind, _ = resolve_backend(config)
    except Exception:  # noqa: BLE001 - the workers say why, one error per task
        return False
    return kind in ("embedded", "gguf")


def _run_shared(plan: BatchPlan, config, run_dir: Path, workers: int, rounds: int,
                record: Callable[[RunResult], None]) -> None:
    """``workers`` threads, each running tasks on its own slot of one engine over one loaded model.
    A task's session, log and workspace are its own, as in a worker process; only the model is shared."""
    from agent.backends.llama_batch import BatchEngine
    from agent.backends.registry import make_backend
    from evaluation.runner import run_task

    try:
        engine = BatchEngine(make_backend(config), workers)
    except Exception as e:  # the model cannot be loaded: every task is an error
        for task in plan.todo:
            record(_error_result(task, str(e), config.model, rounds, plan.attempts[task.id]))
        return
    slots: queue.SimpleQueue = queue.SimpleQueue()  # a slot's backend per running task
    for slot in range(workers):
        slots.put(engine.backend(slot))

    def run_one(task: Task) -> RunResult:
        backend = slots.get()
        try:
            return run_task(task, config, run_dir, rounds=rounds, backend=backend, attempt=plan.attempts[task.id])
        finally:
            slots.put(backend)

    pool = ThreadPoolExecutor(workers, thread_name_prefix="limi-task")
    try:
        pending: dict[Future, Task] = {pool.submit(run_one, t): t for t in plan.todo}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                task = pending.pop(future)
                record(_collect(future, task, config.model, rounds, plan.attempts[task.id]))
    finally:  # ctrl+c too: tasks not started are dropped, those in flight end at their next model call
        pool.shutdown(wait=False, cancel_futures=True)
        engine.close()  # (the model itself is freed with its last reference: a thread may still tokenize)


def _error_result(task: Task, error: str, model: str, rounds: int, attempt: int) -> RunResult:
    return RunResult(task_id=task.id, status="error", error=error, model=model, max_rounds=rounds, tags=task.tags,
                     attempt=attempt, finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))


def _collect(future: Future, task: Task, model: str, rounds: int, attempt: int) -> RunResult:
    """The result of a finished future; a worker that died makes its task an error."""
    try:
        return future.result()
    except Exception as e:  # BrokenProcessPool: a worker crashed (out of memory, a segfault in a model library)
        return RunResult(task_id=task.id, status="error", error=f"worker process failed: {type(e).__name__}: {e}",
                         model=model, max_rounds=rounds, tags=task.tags, attempt=attempt,
                         finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))


# -- inside a worker process -------------------------------------------------------

_WORKER: dict = {}


def _init_worker(config_data: dict, run_dir: str, rounds: int, in_process: bool = False) -> None:
    import signal

    from agent.config import Config

    if not in_process:  # ctrl+c is the parent's to handle: it stops the workers
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER.update(config=Config.model_validate(config_data), run_dir=Path(run_dir), rounds=rounds, backend=None)


def _run_one(task: Task, attempt: int) -> RunResult:
    from evaluation.runner import run_task

    config = _WORKER["config"]
    try:
        backend = _worker_backend(config)
    except Exception as e:  # the model cannot be loaded: every task of this worker is an error
        return RunResult(task_id=task.id, status="error", error=str(e), model=config.model, max_rounds=_WORKER["rounds"],
                         tags=task.tags, attempt=attempt, finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    return run_task(task, config, _WORKER["run_dir"], rounds=_WORKER["rounds"], backend=backend, attempt=attempt)


def _worker_backend(config):
    """The worker's in-process model, loaded on first use; None for served and scripted models
    (those are cheap to build, and a scripted model's replies must start afresh per task)."""
    from agent.backends.registry import make_backend, resolve_backend

    kind, _ = resolve_backend(config)
    if kind not in ("embedded", "gguf", "hf"):
        return None
    if _WORKER.get("backend") is None:
        _WORKER["backend"] = make_backend(config)
    return _WORKER["backend"]
