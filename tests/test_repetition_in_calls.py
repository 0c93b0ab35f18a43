"""A tool call whose string argument repeats itself until the token limit: the call guard
(agent/backends/repetition.py, CallRepetitionGuard) on call texts, then the llama.cpp backend's
streaming path (agent/backends/embedded.py) with the real model's tokenizer and a scripted token
source, and a session that runs the cut call on a real workspace."""

from __future__ import annotations

import json
from typing import Iterator

import pytest

from agent.backends.repetition import CallRepetitionGuard
from agent.messages import Message, Sampling
from agent.toolprompt import CLOSE, OPEN, parse_call

FUNCTION = "def add(a, b):\n    return a + b\n"
STUTTER = "\n\ndef (*)():"  # what a fine-tuned SmolLM2-135M wrote over and over inside write_file's content


def call_text(arguments: dict, name: str = "write_file", **dumps) -> str:
    return json.dumps({"name": name, "arguments": arguments}, **dumps)


def feed(guard: CallRepetitionGuard, text: str, size: int = 3) -> int:
    """Feed ``text`` in pieces of ``size`` characters (about a token each) until the guard trips;
    return how much of it was fed."""
    for i in range(0, len(text), size):
        guard.feed(text[i : i + size])
        if guard.tripped:
            return i + size
    return len(text)


def salvaged(guard: CallRepetitionGuard, text: str, size: int = 3):
    """(the call parsed from what the guard keeps, how much of ``text`` was fed); the guard must trip."""
    fed = feed(guard, text, size)
    assert guard.tripped, "the guard did not trip"
    out = guard.salvage()
    assert out.endswith(CLOSE)
    call = parse_call(out[: -len(CLOSE)])
    assert call.error is None, call.error
    return call, fed


def passes(text: str, **kw) -> bool:
    """Whether the whole call goes through untouched, in pieces of every size tried."""
    for size in (1, 4, 9):
        guard = CallRepetitionGuard(**kw)
        feed(guard, text, size)
        if guard.tripped or guard.take() != text:
            return False
    return True


# -- what trips it ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 3, 7, 20])
def test_a_phrase_written_over_and_over_is_cut_where_it_began(size):
    text = call_text({"path": "m.py", "content": FUNCTION + STUTTER * 80})
    call, fed = salvaged(CallRepetitionGuard(), text, size)
    assert call.name == "write_file" and call.arguments == {"path": "m.py", "content": FUNCTION}
    assert fed < len(text) // 2  # stopped long before the end: no more tokens spent on it


def test_the_cut_says_which_argument_and_where():
    guard = CallRepetitionGuard()
    salvaged(guard, call_text({"path": "m.py", "content": FUNCTION + STUTTER * 80}))
    assert (guard.argument, guard.at) == ("content", len(FUNCTION))


def test_a_long_block_written_again_and_again_keeps_its_first_copy():
    block = "def area(r):\n    \"\"\"The area of a circle of radius r.\"\"\"\n    return 3.14159 * r * r\n\n"
    assert len(json.dumps(block)) > 80  # longer than a block: a real block of code written again
    text = call_text({"path": "geo.py", "old_string": "pass\n", "new_string": "import math\n\n" + block * 5},
                     name="edit")
    call, _ = salvaged(CallRepetitionGuard(), text)
    # (the copy seen begins with the blank line before it: the kept text ends its last line)
    kept = "import math\n\n" + block.rstrip("\n") + "\n"
    assert call.arguments == {"path": "geo.py", "old_string": "pass\n", "new_string": kept}


def test_two_copies_of_a_long_block_are_not_enough():
    block = "".join(f"row {i}: a line of the report that is long enough to matter\n" for i in range(3))
    text = call_text({"path": "report.txt", "content": block * 2 + "end\n"})
    assert passes(text)


def test_one_character_over_and_over_is_cut():
    text = call_text({"path": "x.txt", "content": "start\n" + "z" * 500})
    call, _ = salvaged(CallRepetitionGuard(), text)
    assert call.arguments["content"] == "start\n"


# -- what does not -------------------------------------------------------------------------------


def test_code_that_repeats_short_lines_passes():
    code = "".join(f"def get_{name}(x):\n    if x is None:\n        return x\n    return x.{name}\n\n\n"
                   for name in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota"))
    code += "    return x\n" * 12  # a short line many times in a row: shorter than three blocks
    assert passes(call_text({"path": "getters.py", "content": code}))


def test_a_test_file_of_similar_asserts_passes():
    asserts = "".join(f"    assert add({i}, {i + 1}) == {2 * i + 1}\n" for i in range(60))
    assert passes(call_text({"path": "test_add.py", "content": "from m import add\n\n\ndef test_add():\n" + asserts}))


def test_a_csv_with_rows_that_repeat_their_shape_passes():
    rows = "".join(f"2024-01-{d:02d},widget,store-north,{d * 3},{d * 1.25:.2f}\n" for d in range(1, 31))
    assert passes(call_text({"path": "sales.csv", "content": "date,item,store,units,price\n" + rows}))


def test_separator_lines_and_blank_lines_pass():
    content = "#" + "=" * 78 + "\n# Section\n#" + "=" * 78 + "\n" + "\n" * 30 + "x = 1\n" + "-" * 79 + "\n"
    assert passes(call_text({"path": "a.py", "content": content}))


def test_a_repetition_the_model_ended_itself_is_not_cut_afterwards():
    """The check looks at the open string only: a value that closed is the model's to keep."""
    text = call_text({"path": "a.txt", "content": "ab" * 50, "mode": "w"})  # 100 characters: under three blocks
    assert passes(text)


def test_keys_are_never_checked():
    assert passes(call_text({"ab" * 40: "x", "path": "a.txt"}), block=20)
    assert not passes(call_text({"x": "ab" * 40, "path": "a.txt"}), block=20)  # the same as a value trips


def test_the_guard_can_be_switched_off():
    text = call_text({"path": "m.py", "content": FUNCTION + STUTTER * 80})
    assert passes(text, block=0)
    with pytest.raises(ValueError):
        CallRepetitionGuard(block=-1)
    with pytest.raises(ValueError):
        CallRepetitionGuard(copies=1)


# -- closing the JSON ------------------------------------------------------------------------------


def test_escaped_quotes_backslashes_and_newlines_survive_the_cut():
    kept = 'print("a \\"quoted\\" word")\npath = "C:\\\\temp\\\\x"\n\ttab\n'
    stutter = 'say("again")\\n\n'  # quotes, a backslash and a newline in every copy
    text = call_text({"path": "q.py", "content": kept + stutter * 40})
    call, _ = salvaged(CallRepetitionGuard(), text)
    assert call.arguments["content"] == kept


def test_nested_arguments_are_closed_in_order():
    text = call_text({"plan": {"steps": [{"title": "one", "detail": "fine"},
                                         {"title": "two", "detail": "Then " + "and then again " * 60}]}},
                     name="present_plan")
    guard = CallRepetitionGuard()
    call, _ = salvaged(guard, text)
    assert call.arguments == {"plan": {"steps": [{"title": "one", "detail": "fine"}, {"title": "two", "detail": "Then "}]}}
    assert guard.argument == "detail"


def test_a_string_in_an_array_names_the_array():
    text = call_text({"paths": ["a.py", "b/" + "c/d" * 200]}, name="read_many")
    guard = CallRepetitionGuard()
    call, _ = salvaged(guard, text)
    assert call.arguments == {"paths": ["a.py", "b/"]} and guard.argument == "paths"


def test_a_cut_never_splits_an_escape():
    """A few characters before a repetition may match it by chance; the cut then moves back to
    a whole character of the value, never into the middle of ``\\n`` or ``\\u00e9``."""
    cases = [
        ("header\n", "round and round it goes, on and on and on"),  # "\n" ends in "n", as the phrase does
        ("café", "round 2 of 9"),  # "\u00e9" ends in "9"
        ("smile 😀", "count 100"),  # "\ude00" ends in "0": the cut drops the whole pair
    ]
    for prefix, phrase in cases:
        text = call_text({"path": "t.txt", "content": prefix + phrase * 40})  # ASCII escapes, as json.dumps writes them
        guard = CallRepetitionGuard()
        call, _ = salvaged(guard, text, size=5)
        content = call.arguments["content"]
        assert prefix.startswith(content) and len(content) >= len(prefix) - 2, (prefix, content)
        assert guard.at == len(content)


def test_what_was_handed_out_is_never_cut():
    """A prefill the reply already has is kept, even where the repetition began inside it."""
    start = call_text({"path": "m.py", "content": FUNCTION + STUTTER * 3})[:-3]  # the string still open
    guard = CallRepetitionGuard()
    guard.feed(start, sent=True)
    assert guard.take() == ""
    fed = feed(guard, json.dumps(STUTTER * 80)[1:-1])
    assert guard.tripped and fed < 400
    out = guard.salvage()
    assert out == '\\n"}}' + CLOSE  # nothing more of the value but the end of its last line, and the JSON closed
    assert json.loads(start + out[: -len(CLOSE)])["arguments"]["content"] == FUNCTION + STUTTER * 3 + "\n"


# -- the llama.cpp backend: its streaming path with scripted tokens ----------------------------------


@pytest.fixture(scope="module")
def backend():
    from agent.backends.embedded import LlamaCppBackend

    b = LlamaCppBackend(None, n_ctx=4096)
    b.tool_prompt = "brief"
    yield b
    b.llm.close()


class Scripted:
    """The backend's decodings with their token source replaced: reply ``i`` gives the tokens of
    ``replies[i]`` (the model's tokenizer, each piece on its own), in order, across that reply's
    generate calls, then the end of the turn; :attr:`given` counts the tokens handed out."""

    def __init__(self, backend, replies: list[list[str]]):
        self.backend, self.given = backend, 0
        self.replies = [[t for piece in pieces for t in backend.tokenize(piece)] for pieces in replies]

    def __enter__(self):
        from agent.backends.embedded import _Decoding

        script = self

        class ScriptedDecoding(_Decoding):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                self.script = iter(script.replies.pop(0))

            def _tokens(self, grammar, repeat_penalty: float) -> Iterator[int]:
                for token in self.script:
                    script.given += 1
                    yield token
                yield self.llm.token_eos()

        self.backend._decoding = lambda tokens, sampling, **kw: ScriptedDecoding(self.backend, tokens, sampling, **kw)
        return self

    def __exit__(self, *exc):
        del self.backend._decoding


def reply(backend, pieces: list[str], *, start: str = "", max_tokens: int = 1024):
    """(text, calls, finish_reason, usage, tokens handed out) of one reply made of ``pieces``."""
    from agent.tools.registry import CORE_TOOLS, select_tools, tool_specs

    messages = [Message(role="system", content="You are a coding agent."), Message(role="user", content="Write m.py.")]
    with Scripted(backend, [pieces]) as script:
        chunks = list(backend.stream(messages, tool_specs(select_tools(CORE_TOOLS)),
                                     Sampling(max_tokens=max_tokens, temperature=0.0), start=start))
    text = "".join(c.text for c in chunks if c.kind == "text")
    calls = [c.call for c in chunks if c.kind == "tool_call"]
    return text, calls, chunks[-1].finish_reason, chunks[-1].usage, script.given


def test_the_backend_cuts_the_call_and_stops_generating(backend):
    body = call_text({"path": "m.py", "content": FUNCTION + STUTTER * 200})
    text, calls, finish, usage, given = reply(backend, ["I will write the file.\n", OPEN, "\n" + body, "\n" + CLOSE])
    assert text.strip() == "I will write the file."
    assert len(calls) == 1 and calls[0].error is None
    assert calls[0].arguments == {"path": "m.py", "content": FUNCTION}
    assert calls[0].note and "`content`" in calls[0].note and f"character {len(FUNCTION)}" in calls[0].note
    assert finish == "repetition"
    total = len(backend.tokenize(body))
    assert usage.completion_tokens == given < total // 3  # the rest of the loop was never generated


def test_without_the_guard_the_same_call_runs_into_the_token_limit(backend):
    """The failure the guard fixes: the call is cut by max_tokens, and is no call at all."""
    saved, backend.call_repetition_block = backend.call_repetition_block, 0
    try:
        body = call_text({"path": "m.py", "content": FUNCTION + STUTTER * 200})
        _, calls, finish, usage, _ = reply(backend, [OPEN, "\n" + body, "\n" + CLOSE], max_tokens=400)
    finally:
        backend.call_repetition_block = saved
    assert finish != "repetition" and usage.completion_tokens == 400  # every token up to the limit
    assert len(calls) == 1 and calls[0].error and "not valid JSON" in calls[0].error


def test_an_ordinary_call_goes_through_unchanged(backend):
    rows = "".join(f"2024-01-{d:02d},widget,store-north,{d * 3},{d * 1.25:.2f}\n" for d in range(1, 31))
    arguments = {"path": "sales.csv", "content": "date,item,store,units,price\n" + rows}
    text, calls, finish, _, _ = reply(backend, ["Writing it.\n", OPEN, "\n" + call_text(arguments), "\n" + CLOSE,
                                                "\nDone."])
    assert [(c.name, c.arguments, c.error, c.note) for c in calls] == [("write_file", arguments, None, None)]
    assert finish == "tool_calls" and text.split() == ["Writing", "it.", "Done."]


def test_a_call_begun_by_the_prompt_is_cut_after_it(backend):
    """A reply that starts inside the call (a prefill): the guard knows where the string is."""
    start = OPEN + '\n{"name": "write_file", "arguments": {"path": "m.py", "content": "'
    rest = json.dumps(FUNCTION + STUTTER * 200)[1:] + "}}\n" + CLOSE
    _, calls, finish, _, _ = reply(backend, [rest], start=start)
    assert finish == "repetition" and calls[0].arguments == {"path": "m.py", "content": FUNCTION}


def test_a_session_runs_the_cut_call_and_its_result_says_so(backend, tmp_path):
    """A real session on a real workspace: the file holds what the model wrote before the loop,
    the model reads in the tool result that the argument was cut, the log records why the reply ended."""
    from agent.events import AssistantMessage, ToolResult
    from agent.policy import Policy
    from agent.session import Session
    from agent.tools.registry import CORE_TOOLS, select_tools
    from agent.trajectory import TrajectoryWriter

    workspace = tmp_path / "ws"
    workspace.mkdir()
    body = call_text({"path": "m.py", "content": FUNCTION + STUTTER * 200})
    replies = [[OPEN, "\n" + body, "\n" + CLOSE], ["The file is written."]]
    session = Session(backend, select_tools(CORE_TOOLS), workspace=workspace, session_id="cut", system_prompt="SYS",
                      policy=Policy(mode="auto-edit"), writer=TrajectoryWriter(tmp_path / "log.jsonl"),
                      sampling=Sampling(max_tokens=1024, temperature=0.0), max_turns=3)
    session.start()
    with Scripted(backend, replies):
        events = list(session.send("Write m.py with an add function."))
    session.end()
    assert (workspace / "m.py").read_text() == FUNCTION
    [result] = [e for e in events if isinstance(e, ToolResult)]
    assert not result.is_error and "repeated itself from character" in result.output and "`content`" in result.output
    assert session.messages[-2].role == "tool" and session.messages[-2].content == result.output  # what the model reads
    first = next(e for e in events if isinstance(e, AssistantMessage))
    assert first.finish_reason == "repetition"
    lines = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    logged = [e for e in lines if e["type"] == "assistant_message"]
    assert logged[0]["finish_reason"] == "repetition" and "note" not in logged[0]["tool_calls"][0]
    assert logged[1]["content"] == "The file is written." and logged[1]["finish_reason"] == "stop"


def test_the_setting_reaches_the_backend(tmp_path):
    from agent.backends.registry import make_backend
    from agent.config import load_config

    assert load_config(tmp_path, environ={}, user_path=tmp_path / "none.toml").call_repetition_block == 80
    (tmp_path / "user.toml").write_text("call_repetition_block = 0\n")
    config = load_config(tmp_path, environ={}, user_path=tmp_path / "user.toml")
    assert config.call_repetition_block == 0
    made = make_backend(config.model_copy(update={"model": "embedded-base", "n_ctx": 512}))
    try:
        assert made.call_repetition_block == 0 and made.describe()["call_repetition_block"] == 0
    finally:
        made.llm.close()


def test_a_call_whose_value_was_nothing_but_the_loop_is_not_run(backend, tmp_path):
    """Cut where it began, the value is empty: writing it would empty the file (an eval run
    overwrote calculator.py with 0 bytes so), so the call is refused and the model told why."""
    from agent.events import ToolResult
    from agent.policy import Policy
    from agent.session import Session
    from agent.tools.registry import CORE_TOOLS, select_tools
    from agent.trajectory import TrajectoryWriter

    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "m.py").write_text(FUNCTION)
    body = call_text({"path": "m.py", "content": STUTTER * 200})
    _, calls, finish, _, _ = reply(backend, [OPEN, "\n" + body, "\n" + CLOSE])
    assert finish == "repetition" and calls[0].error and "`content`" in calls[0].error
    session = Session(backend, select_tools(CORE_TOOLS), workspace=workspace, session_id="empty", system_prompt="SYS",
                      policy=Policy(mode="auto-edit"), writer=TrajectoryWriter(tmp_path / "log.jsonl"), sampling=Sampling(max_tokens=1024, temperature=0.0), max_turns=3)
    session.start()
    with Scripted(backend, [[OPEN, "\n" + body, "\n" + CLOSE], ["Stopped."]]):
        events = list(session.send("Write m.py."))
    session.end()
    assert (workspace / "m.py").read_text() == FUNCTION  # untouched
    [result] = [e for e in events if isinstance(e, ToolResult)]
    assert result.is_error and result.error_kind == "invalid_call" and "not run" in result.output
