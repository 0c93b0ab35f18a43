"""Parsing in worker processes: the task/result protocol, real worker processes, and what
happens when a worker cannot start or dies (its files are parsed here, nothing is lost)."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest

from agent.codeintel import workers
from agent.codeintel.parser import FileRecord, decode_record, extract
from tests.test_codeintel_parser import SAMPLES


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, list[workers.Item]]:
    root = tmp_path / "ws"
    root.mkdir()
    items = []
    for i in range(3):  # 24 files of every language
        for language, (filename, source) in SAMPLES.items():
            rel = f"d{i}/{filename}"
            (root / rel).parent.mkdir(exist_ok=True)
            (root / rel).write_text(source)
            items.append((rel, language, len(source)))
    return root, items


def _expected(root: Path, items: list[workers.Item]) -> dict[str, FileRecord]:
    return {rel: extract((root / rel).read_bytes(), language) for rel, language, _ in items}


def _as_records(results: list[workers.Result], items: list[workers.Item]) -> dict[str, FileRecord]:
    languages = {rel: language for rel, language, _ in items}
    out = {}
    for rel, result in results:
        assert rel not in out, f"{rel} answered twice"
        out[rel] = decode_record(result, languages[rel]) if isinstance(result, bytes) else result
    return out


def test_serve_answers_each_file_then_ends_the_task(tree: tuple[Path, list[workers.Item]], tmp_path: Path) -> None:
    root, items = tree
    task = json.dumps([str(root), [[rel, language] for rel, language, _ in items[:3]] + [["gone.py", "python"]]]).encode()
    out = io.BytesIO()
    workers.serve(io.BytesIO(len(task).to_bytes(4, "little") + task), out)
    data, at, answers = out.getvalue(), 0, []
    while True:
        n_rel, n_record = workers._FRAME.unpack_from(data, at)
        at += workers._FRAME.size
        if n_rel == 0:
            break
        answers.append((data[at:at + n_rel].decode(), data[at + n_rel:at + n_rel + n_record]))
        at += n_rel + n_record
    assert at == len(data)
    assert [rel for rel, _ in answers] == [rel for rel, _, _ in items[:3]] + ["gone.py"]
    assert answers[-1][1] == b""  # unreadable: an empty record
    expected = _expected(root, items[:3])
    for (rel, record), (_, language, _) in zip(answers[:3], items):
        assert decode_record(record, language) == expected[rel]


def test_worker_processes_parse_the_big_files_and_this_process_the_rest(
        tree: tuple[Path, list[workers.Item]], monkeypatch: pytest.MonkeyPatch) -> None:
    root, items = tree
    monkeypatch.setattr(workers, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(workers, "CHUNK_COST", 1)  # one file per task
    results = list(workers.parse_files(root, items, jobs=2))
    from_workers = [rel for rel, result in results if isinstance(result, bytes)]
    assert from_workers, "no file was parsed in the worker"
    assert _as_records(results, items) == _expected(root, items)


def test_small_jobs_stay_in_this_process(tree: tuple[Path, list[workers.Item]]) -> None:
    root, items = tree
    results = list(workers.parse_files(root, items, jobs=4))  # far below POOL_MIN_BYTES
    assert all(isinstance(result, FileRecord) for _, result in results)
    assert _as_records(results, items) == _expected(root, items)


def test_a_worker_that_dies_at_once_costs_nothing_but_time(tree: tuple[Path, list[workers.Item]],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    root, items = tree
    monkeypatch.setattr(workers, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(workers, "CHUNK_COST", 1)
    monkeypatch.setattr(workers._Pool, "_command", lambda self: [sys.executable, "-c", "import sys; sys.exit(3)"])
    results = list(workers.parse_files(root, items, jobs=3))
    assert _as_records(results, items) == _expected(root, items)


# reads its first task, answers its first file (as unreadable), then dies in the middle of the task
HALF_A_TASK = """
import json, struct, sys
n = struct.unpack('<I', sys.stdin.buffer.read(4))[0]
root, files = json.loads(sys.stdin.buffer.read(n))
rel = files[0][0].encode()
sys.stdout.buffer.write(struct.pack('<II', len(rel), 0) + rel)
sys.stdout.buffer.flush()
sys.exit(1)
"""


def test_a_worker_that_dies_in_a_task_keeps_its_answers_and_the_rest_is_parsed_here(
        tree: tuple[Path, list[workers.Item]], monkeypatch: pytest.MonkeyPatch) -> None:
    root, items = tree
    monkeypatch.setattr(workers, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(workers, "CHUNK_COST", 10**9)  # one task with every file
    monkeypatch.setattr(workers._Pool, "_command", lambda self: [sys.executable, "-c", HALF_A_TASK])
    results = list(workers.parse_files(root, items, jobs=2))
    answered = [rel for rel, result in results if result is None]
    assert len(answered) == 1  # the worker's answer stands
    rest = [item for item in items if item[0] != answered[0]]
    assert _as_records([r for r in results if r[1] is not None], rest) == _expected(root, rest)


def test_no_worker_can_start(tree: tuple[Path, list[workers.Item]], monkeypatch: pytest.MonkeyPatch) -> None:
    root, items = tree
    monkeypatch.setattr(workers, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(workers._Pool, "_command", lambda self: ["/nonexistent/python"])
    results = list(workers.parse_files(root, items, jobs=2))
    assert _as_records(results, items) == _expected(root, items)


def test_chunks_put_the_biggest_files_first_and_cover_every_file() -> None:
    items = [(f"f{i}", "python", size) for i, size in enumerate([10, 500_000, 3, 70_000, 200_000, 1, 90_000])]
    chunks = workers._chunks(items)
    assert sorted(item for chunk in chunks for item in chunk) == sorted(items)
    sizes = [item[2] for chunk in chunks for item in chunk]
    assert sizes == sorted(sizes, reverse=True)
    assert chunks[0] == [items[1]]  # a big file is a task of its own


def test_jobs_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIMI_CODEINTEL_JOBS", "3")
    assert workers.default_jobs() == 3
    monkeypatch.setenv("LIMI_CODEINTEL_JOBS", "lots")
    assert 1 <= workers.default_jobs() <= workers.MAX_JOBS


def test_a_task_that_cannot_be_sent_stays_here(tmp_path: Path) -> None:
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", "pass"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    proc.wait()  # gone: writing to it breaks the pipe
    worker = workers._Worker(proc)
    chunk = [("a.py", "python", 10)]
    chunks: workers.deque[list[workers.Item]] = workers.deque()
    workers._Pool(tmp_path, 1)._send(worker, chunk, chunks)
    assert not worker.writable and not worker.tasks
    assert list(chunks) == [chunk]
    workers._close(proc)


def test_a_link_swapped_in_after_the_walk_is_not_read_here_nor_in_a_worker(
        tree: tuple[Path, list[workers.Item]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, items = tree
    outside = tmp_path / "outside.py"
    outside.write_text("def secret_outside():\n    pass\n")
    rel = items[0][0]
    (root / rel).unlink()
    (root / rel).symlink_to(outside)  # as if swapped after the walk listed a regular file
    fifo = root / "d0" / "pipe.py"
    os.mkfifo(fifo)  # reading it would block
    extra = [(rel, items[0][1], 10**9), ("d0/pipe.py", "python", 10**9 - 1)]  # the biggest: the worker takes them
    assert workers.read_source(root, rel) is None
    assert workers.read_source(root, "d0/pipe.py") is None
    monkeypatch.setattr(workers, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(workers, "CHUNK_COST", 1)
    results = dict(workers.parse_files(root, extra + items[1:], jobs=2))
    assert results[rel] is None and results["d0/pipe.py"] is None
    assert all(result is not None for r, result in results.items() if r not in (rel, "d0/pipe.py"))
