"""One llama.cpp model decoding several streams at once (agent/backends/llama_batch.py), and
batch runs whose workers share it (evaluation/batch.py).

The tests marked slow run the real embedded model. The references are the single-sequence backend's own
replies, each from a fresh KV cache, as a fresh slot starts: the engine must give the same
tokens, greedy or seeded, free text or a call under the tool-call grammar."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from agent.backends.base import BackendError
from agent.config import Config
from agent.messages import Message, Sampling, ToolSpec
from evaluation.batch import run_batch
from evaluation.task import Limits, load_suite

TOOLS = [
    ToolSpec(name="read_file", description="Read a file.",
             parameters={"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}),
    ToolSpec(name="shell", description="Run a shell command.",
             parameters={"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}),
]
GREEDY = Sampling(temperature=0.0, max_tokens=24)


@pytest.fixture(scope="module")
def model():
    from agent.backends.embedded import LlamaCppBackend

    b = LlamaCppBackend(None, n_ctx=2048)
    b.tool_prompt = "brief"
    yield b
    b.llm.close()


@pytest.fixture
def engine(model):
    from agent.backends.llama_batch import BatchEngine

    with BatchEngine(model, 3) as e:
        yield e


def reply(backend, messages, sampling=GREEDY, tools=(), start=""):
    """(text, calls, finish_reason, usage) of one streamed reply."""
    chunks = list(backend.stream(messages, list(tools), sampling, start=start))
    text = "".join(c.text for c in chunks if c.kind == "text")
    calls = [(c.call.name, c.call.arguments, c.call.error) for c in chunks if c.kind == "tool_call"]
    return text, calls, chunks[-1].finish_reason, chunks[-1].usage


def fresh(model, messages, **kw):
    """The single-sequence backend's reply from an empty KV cache."""
    model.llm.reset()
    return reply(model, messages, **kw)


def together(*jobs):
    """Run the jobs in threads that start at once; their results in order (an exception is raised)."""
    results, errors = [None] * len(jobs), []
    gate = threading.Barrier(len(jobs))

    def run(i):
        gate.wait()
        try:
            results[i] = jobs[i]()
        except BaseException as e:  # noqa: BLE001 - handed to the test
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def conversation(backend, question, turns=2):
    """A conversation of ``turns`` replies: the second reads the first from the KV cache."""
    messages, replies = [Message(role="user", content=question)], []
    for follow in ("Say it in fewer words.", "Thanks.")[: turns]:
        text, calls, finish, usage = reply(backend, messages)
        replies.append((text, finish, usage.completion_tokens, usage.cached_tokens))
        messages += [Message(role="assistant", content=text), Message(role="user", content=follow)]
    return replies


QUESTIONS = ["Write a haiku about the sea.", "Name three prime numbers.", "What is the capital of France?"]


@pytest.mark.slow
def test_concurrent_greedy_streams_give_the_single_sequence_text(model, engine):
    expected = []
    for q in QUESTIONS:
        model.llm.reset()
        expected.append(conversation(model, q))
    got = together(*[lambda i=i: conversation(engine.backend(i), QUESTIONS[i]) for i in range(3)])
    assert got == expected  # text, finish reason, tokens sampled, and the second turn's KV reuse
    assert all(turns[1][3] > 0 for turns in got)  # the second turn reused the first's cache
    assert engine.peak_rows >= 2  # the slots really decoded in one batch


@pytest.mark.slow
def test_the_tool_call_grammar_applies_per_slot(model, engine):
    system = Message(role="system", content="You are a coding agent. Use the tools.")
    call = dict(sampling=Sampling(max_tokens=48, seed=3), tools=TOOLS, start="<tool_call>\n")  # seeded, not greedy
    switch = dict(sampling=Sampling(max_tokens=48, temperature=0.0), tools=TOOLS, start="I will read it.\n<tool_call")
    free = dict(sampling=GREEDY)
    jobs = [([system, Message(role="user", content="Read the file README.md.")], call),
            ([system, Message(role="user", content="List the files here.")], switch),
            ([Message(role="user", content="Say hello in JSON.")], free)]
    expected = [fresh(model, messages, **kw) for messages, kw in jobs]
    got = together(*[lambda i=i: reply(engine.backend(i), jobs[i][0], **jobs[i][1]) for i in range(3)])
    assert got == expected
    for text, calls, finish, _ in got[:2]:  # the two slots with tools wrote a valid call under the grammar
        assert calls and calls[0][0] in ("read_file", "shell") and calls[0][2] is None, calls
        assert finish == "tool_calls"
    assert got[1][0].startswith("I will read it.")
    assert not got[2][1]  # the free slot had no grammar and no tools


@pytest.mark.slow
def test_cancelling_a_stream_frees_its_slot_and_the_others_go_on(model, engine):
    story = [Message(role="user", content="Tell me a long story about a dragon.")]
    longer = Sampling(temperature=0.0, max_tokens=64)
    expected = [fresh(model, [Message(role="user", content=q)], sampling=longer) for q in QUESTIONS[1:]]
    again: list = []

    def cancelled():
        stream = engine.backend(0).stream(story, [], Sampling(temperature=0.0, max_tokens=400))
        for chunk in stream:
            if chunk.kind == "text":
                break
        stream.close()  # as the session does when it is interrupted
        again.append(reply(engine.backend(0), story))  # the slot takes a new stream at once

    def other(i):
        return reply(engine.backend(i), [Message(role="user", content=QUESTIONS[i])], sampling=longer)

    got = together(cancelled, lambda: other(1), lambda: other(2))
    assert got[1:] == expected
    text, _, finish, usage = again[0]
    assert text and finish in ("stop", "length")
    assert usage.cached_tokens >= usage.prompt_tokens - 1  # the cancelled stream's prompt stayed cached


@pytest.mark.slow
def test_one_stream_per_slot_and_a_closed_engine_says_so(model, engine):
    tokens = model.tokenize(model.render([Message(role="user", content="Count to ten.")], []))
    first = engine.generate(0, tokens, sampling=GREEDY, seed=0)
    next(first)
    with pytest.raises(BackendError, match="already generating"):
        next(engine.generate(0, tokens, sampling=GREEDY, seed=0))
    next(engine.generate(1, tokens, sampling=GREEDY, seed=0))  # another slot is free
    engine.close()
    with pytest.raises(BackendError, match="closed"):
        next(first)  # the stream in flight ends with the error
    with pytest.raises(BackendError, match="closed"):
        reply(engine.backend(2), [Message(role="user", content="Hi.")])


@pytest.mark.slow
def test_a_batch_with_three_workers_shares_one_model_and_logs_each_task(tmp_path):
    suite = load_suite("builtin").select(limit=3)
    suite.tasks = [t.model_copy(update={"limits": Limits(time_s=600, max_turns=2)}) for t in suite.tasks]
    config = Config(model="embedded", sampling={"max_tokens": 32, "temperature": 0.0})
    results = run_batch(suite, config, tmp_path / "run", workers=3)
    assert sorted(r.task_id for r in results) == sorted(t.id for t in suite.tasks)
    logs = set()
    for r in results:
        assert r.status in ("pass", "fail"), r.error
        log = Path(r.log_path)
        assert log.parent == (tmp_path / "run" / "trajectories" / r.task_id).resolve()
        events = [json.loads(line) for line in log.read_text().splitlines()]
        started = events[0]
        assert started["type"] == "session_started" and started["backend_settings"]["parallel_slots"] == 3
        assert Path(started["cwd"]).name == "workspace" and r.task_id in started["cwd"]  # its own workspace
        assert events[-1]["type"] == "session_ended" and 1 <= r.turns <= 2
        logs.add(log)
    assert len(logs) == 3


def test_a_model_that_cannot_load_makes_each_task_an_error(tmp_path):
    suite = load_suite("builtin").select(limit=2)
    results = run_batch(suite, Config(model=str(tmp_path / "missing.gguf")), tmp_path / "run", workers=2)
    assert [r.status for r in results] == ["error", "error"]
    assert all("missing.gguf does not exist" in r.error for r in results)
