"""A reply that repeats itself: the streaming guard (agent/backends/repetition.py) on scripted
streams, and the embedded model on the README's first task, where it used to write the same
paragraph until its token limit."""

from __future__ import annotations

import pytest

from agent.backends.repetition import RepetitionGuard
from agent.messages import Message, Sampling

PARAGRAPH = ("The script is a Python script that creates a new file named \"Synthetics.py\" by adding a new "
             "function to the script.")
README_ANSWER = """\
This repository is limi-cli, a terminal coding agent written in Python.

The Python files:
- `agent/session.py`: the session loop
- `agent/backends/embedded.py`: the embedded model
- `agent/tools/files.py`: file tools
- `evaluation/runner.py`: one task run
- `evaluation/report.py`: the scores of a run

It logs every session as a trajectory for fine-tuning, and runs headless or in a terminal UI.
"""


def stream(guard: RepetitionGuard, text: str, size: int = 4) -> str:
    """Feed ``text`` in pieces of ``size`` characters (about a token each) until the guard trips."""
    shown = []
    for i in range(0, len(text), size):
        shown.append(guard.feed(text[i : i + size]))
        if guard.tripped:
            return "".join(shown)
    return "".join(shown) + guard.flush()


def has_repeated_block(text: str, n: int = 80) -> bool:
    return any(text.find(text[i : i + n], i + 1) >= 0 for i in range(len(text) - n))


def test_a_paragraph_written_again_is_cut_before_its_second_copy():
    text = "This repository is a Python project.\n\n" + (PARAGRAPH + "\n\n") * 6
    guard = RepetitionGuard()
    shown = stream(guard, text)
    assert guard.tripped
    assert shown == "This repository is a Python project.\n\n" + PARAGRAPH
    assert guard.repeated in PARAGRAPH + "\n\n" + PARAGRAPH


def test_a_sentence_repeated_inside_a_paragraph_is_cut_at_a_sentence_end():
    text = ('It is a Python script that creates a new file named "Synthetics.py" by adding a new function to the script. '
            'The script is called "Synthetics.py" and it is a Python script that creates a new file named '
            '"Synthetics.py" by adding a new function to the script. The script is a Python script that')
    guard = RepetitionGuard()
    shown = stream(guard, text, size=3)
    assert guard.tripped
    assert shown == 'It is a Python script that creates a new file named "Synthetics.py" by adding a new function to the script.'


def test_a_list_that_starts_over_keeps_its_first_round():
    items = "".join(f"- `test_{name}.py` - This is a Python script that tests a function.\n" for name in ("a", "b"))
    guard = RepetitionGuard()
    shown = stream(guard, "The files:\n" + items * 5)
    assert guard.tripped and shown == "The files:\n" + items.rstrip("\n")


def test_ordinary_text_passes_whole_and_unchanged():
    for size in (1, 3, 7, 50):
        guard = RepetitionGuard()
        assert stream(guard, README_ANSWER, size) == README_ANSWER
        assert not guard.tripped


def test_repeats_shorter_than_a_block_are_ordinary():
    text = "".join(f"- src/limi/module_{i}.py: the module number {i} of the package\n" for i in range(20))
    guard = RepetitionGuard()
    assert stream(guard, text) == text and not guard.tripped


def test_one_character_over_and_over_is_cut():
    guard = RepetitionGuard()
    shown = stream(guard, "Done" + "!" * 300)
    assert guard.tripped and shown == "Done!"


def test_nothing_cut_was_ever_shown_and_shown_text_is_the_kept_text():
    text = "Intro line.\n" + "A long sentence that the model will write again and again without end, word for word. " * 5
    for size in (1, 2, 5, 11):
        guard = RepetitionGuard()
        shown = stream(guard, text, size)
        assert guard.tripped and shown == guard.text
        assert shown.count("A long sentence") == 1 and not has_repeated_block(shown)


def test_whole_sentences_are_shown_as_they_end():
    guard = RepetitionGuard(block=20)
    out = [guard.feed(piece) for piece in ("First sentence here. ", "Second one is longer than that. ", "Third")]
    assert out == ["", "First sentence here.", ""]  # held: the last 20 characters, then back to a sentence end
    assert guard.flush() == " Second one is longer than that. Third"


def test_the_guard_can_be_switched_off():
    guard = RepetitionGuard(block=0)
    text = (PARAGRAPH + " ") * 5
    assert [guard.feed(text[:10]), guard.feed(text[10:])] == [text[:10], text[10:]]
    assert not guard.tripped
    with pytest.raises(ValueError):
        RepetitionGuard(block=-1)


def test_no_block_spans_a_tool_call():
    """Text before a call and text after it do not join into a block: writing later what the
    two sides would have made together is no repetition; repeating one side is."""
    before, after, later = "one two three four five six. ", "Seven eight nine ten. ", "Then: four five six. Seven eight nine"
    joined = RepetitionGuard(block=20)
    for piece in (before, after, later):
        joined.feed(piece)
    assert joined.tripped  # without the barrier, "six. Seven eight nine" is the junction written again
    guard = RepetitionGuard(block=20)
    shown = guard.feed(before) + guard.barrier() + guard.feed(after) + guard.barrier() + guard.feed(later) + guard.flush()
    assert not guard.tripped and shown == before + after + later
    guard.barrier()
    assert guard.feed("Seven eight nine ten. ") == "" and guard.tripped  # one side again: a repetition


# -- the embedded model -------------------------------------------------------------------


@pytest.fixture(scope="module")
def backend():
    from agent.backends.embedded import LlamaCppBackend

    b = LlamaCppBackend(None, n_ctx=2048)
    b.tool_prompt = "brief"
    yield b
    b.llm.close()


def _readme_task():
    from prompts import load
    from agent.tools.registry import CORE_TOOLS, select_tools, tool_specs

    system = load("system.md").replace("{workspace}", "/home/user/project")
    task = "List the Python files in this repository and say what the project is for."
    return [Message(role="system", content=system), Message(role="user", content=task)], tool_specs(select_tools(CORE_TOOLS))


def _reply(backend, messages, specs, **settings):
    saved = backend.repeat_penalty, backend.repetition_block
    backend.repeat_penalty, backend.repetition_block = settings.get("penalty", saved[0]), settings.get("block", saved[1])
    try:
        chunks = list(backend.stream(messages, specs, Sampling(max_tokens=200, temperature=0.0)))
    finally:
        backend.repeat_penalty, backend.repetition_block = saved
    return "".join(c.text for c in chunks if c.kind == "text"), chunks[-1]


@pytest.mark.slow
def test_the_readme_task_no_longer_repeats_a_paragraph(backend):
    """Greedy decoding without a penalty (llama.cpp's default, what this backend had) loops on
    the README's first task; the guard cuts that reply, and the default penalty avoids the loop."""
    messages, specs = _readme_task()
    looping, _ = _reply(backend, messages, specs, penalty=1.0, block=0)
    assert has_repeated_block(looping)  # the failure being fixed
    cut, usage = _reply(backend, messages, specs, penalty=1.0)
    assert usage.finish_reason == "repetition" and not has_repeated_block(cut)
    assert cut and looping.startswith(cut.rstrip())
    assert usage.usage.completion_tokens < 200
    fixed, usage = _reply(backend, messages, specs, block=0)  # the default penalty alone
    assert fixed.strip() and not has_repeated_block(fixed)
    assert usage.finish_reason == "stop"


@pytest.mark.slow
def test_sampling_repeat_penalty_overrides_the_backend_default(backend):
    """``[sampling] repeat_penalty`` (LIMI_REPEAT_PENALTY) replaces the backend's penalty for a call:
    1.0 turns it off, and greedy decoding then loops on the README's task as with the penalty off."""
    messages, specs = _readme_task()
    saved, backend.repetition_block = backend.repetition_block, 0
    try:
        off = "".join(c.text for c in backend.stream(messages, specs, Sampling(max_tokens=200, temperature=0.0,
                                                                            repeat_penalty=1.0)) if c.kind == "text")
    finally:
        backend.repetition_block = saved
    assert has_repeated_block(off)
    assert off == _reply(backend, messages, specs, penalty=1.0, block=0)[0]


def test_repeat_penalty_is_a_sampling_setting(tmp_path):
    from agent.config import ConfigError, load_config

    cfg = load_config(tmp_path, environ={"LIMI_REPEAT_PENALTY": "1.0"}, user_path=tmp_path / "none.toml")
    assert cfg.sampling.repeat_penalty == 1.0
    assert load_config(tmp_path, environ={}, user_path=tmp_path / "none.toml").sampling.repeat_penalty is None
    with pytest.raises(ConfigError, match="LIMI_REPEAT_PENALTY: Input should be greater than or equal to 1"):
        load_config(tmp_path, environ={"LIMI_REPEAT_PENALTY": "0.5"}, user_path=tmp_path / "none.toml")
