"""Grammar-constrained tool calls on llama.cpp (agent/backends/grammar.py, agent/backends/embedded.py).

The grammar builder on every built-in tool's schema, checked by llama.cpp's own grammar sampler
(each token of a text offered to it as sampling would); then the embedded model writing calls
under the grammar: valid calls for known tools, a switch from free text to the grammar without
evaluating the prompt again, and the setting that turns it off."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agent.backends.grammar import GrammarMatcher, call_schema, check_grammar, tool_call_grammar
from agent.messages import Message, Sampling, ToolSpec
from agent.toolprompt import parse_reply
from agent.tools.registry import ALL_TOOLS, CORE_TOOLS, select_tools, tool_specs
from agent.tools.web import WebSearchTool


@pytest.fixture(scope="module")
def vocab(embedded_gguf):
    """The embedded model's vocabulary only: enough for llama.cpp's grammar sampler."""
    from agent.llama_cpu import import_llama_cpp

    Llama = import_llama_cpp().Llama

    return Llama(model_path=str(embedded_gguf), vocab_only=True, verbose=False)


def every_tool() -> list[ToolSpec]:
    return [*tool_specs(cls() for cls in ALL_TOOLS.values()), WebSearchTool.spec()]


def sample(schema: dict[str, Any], defs: dict[str, Any], full: bool) -> Any:
    """A value ``schema`` accepts: required properties only, or (``full``) every property."""
    if "$ref" in schema:
        return sample(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, full)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return sample(options[0], defs, full)
    if "enum" in schema:
        return schema["enum"][-1]
    kind = schema.get("type", "object")
    if kind == "object":
        props = schema.get("properties", {})
        keep = [k for k in props if full or k in schema.get("required", [])]
        return {k: sample(props[k], defs, full) for k in keep}
    if kind == "array":
        return [sample(schema.get("items", {"type": "string"}), defs, full)] if full else []
    return {"string": "src/app.py", "integer": 3, "number": 2.5, "boolean": True}[kind]


def call_text(name: str, arguments: dict[str, Any]) -> str:
    return "\n" + json.dumps({"name": name, "arguments": arguments}, ensure_ascii=False) + "\n</tool_call>"


def test_every_built_in_tool_converts_and_its_calls_match(vocab):
    tools = every_tool()
    grammar = tool_call_grammar(tools)
    check_grammar(vocab, grammar)  # llama.cpp parses it
    with GrammarMatcher(vocab, grammar) as m:
        for tool in tools:
            defs = tool.parameters.get("$defs", {})
            for full in (False, True):
                args = sample(tool.parameters, defs, full)
                assert m.accepts(call_text(tool.name, args)), (tool.name, args)
            assert m.accepts(json.dumps({"name": tool.name, "arguments": sample(tool.parameters, defs, True)}) + "</tool_call>")


def test_invalid_calls_do_not_match(vocab):
    tools = tool_specs(select_tools(CORE_TOOLS))
    with GrammarMatcher(vocab, tool_call_grammar(tools)) as m:
        assert m.accepts('{"name": "edit", "arguments": {"path": "a.py", "old_string": "x = 1", "new_string": "x = 2"}}\n</tool_call>')
        assert m.accepts('{"name": "shell", "arguments": {"command": "echo \\"hi\\"\\n", "timeout": 5}}</tool_call>')
        rejected = {
            "unknown tool": '{"name": "delete_everything", "arguments": {}}</tool_call>',
            "a tool not offered": '{"name": "git_status", "arguments": {}}</tool_call>',
            "required argument missing": '{"name": "read_file", "arguments": {"offset": 2}}</tool_call>',
            "wrong type": '{"name": "read_file", "arguments": {"path": 3}}</tool_call>',
            "unknown argument": '{"name": "glob", "arguments": {"pattern": "*.py", "recursive": true}}</tool_call>',
            "raw newline in a string": '{"name": "shell", "arguments": {"command": "ls\npwd"}}</tool_call>',
            "arguments as a string": '{"name": "shell", "arguments": "{\\"command\\": \\"ls\\"}"}</tool_call>',
            "parameters, not arguments": '{"name": "shell", "parameters": {"command": "ls"}}</tool_call>',
            "not JSON": "read_file(path='a.py')</tool_call>",
            "text after the closing tag": '{"name": "shell", "arguments": {"command": "ls"}}</tool_call> and more',
        }
        for why, text in rejected.items():
            assert not m.accepts(text), why
        unfinished = '{"name": "shell", "arguments": {"command": "ls"}}'
        assert m.accepts(unfinished, complete=False) and not m.accepts(unfinished)  # needs </tool_call>


def test_a_schema_the_converter_refuses_still_names_the_tool(vocab):
    odd = ToolSpec(name="remote__query", description="", parameters={
        "type": "object", "properties": {"q": {"$ref": "https://example.com/schemas/query.json"}}, "required": ["q"]})
    plain = ToolSpec(name="ping", description="", parameters={"type": "object", "properties": {}})
    grammar = tool_call_grammar([odd, plain])
    with GrammarMatcher(vocab, grammar) as m:
        assert m.accepts('{"name": "remote__query", "arguments": {"q": {"text": "x", "limit": 3}}}</tool_call>')
        assert m.accepts('{"name": "ping", "arguments": {}}</tool_call>')
        assert not m.accepts('{"name": "ping", "arguments": {"x": 1}}</tool_call>')
        assert not m.accepts('{"name": "pong", "arguments": {}}</tool_call>')


def test_call_schema_keeps_argument_order_and_leaves_lengths_to_the_tool():
    [todo] = [t for t in every_tool() if t.name == "todo"]
    schema = call_schema([todo])
    assert list(schema["properties"]) == ["name", "arguments"] and schema["required"] == ["name", "arguments"]
    assert "maxLength" not in json.dumps(schema)  # a 500-character limit would be 500 nested rules
    [grep] = [t for t in every_tool() if t.name == "grep"]
    assert "pattern" in call_schema([grep])["properties"]["arguments"]["properties"]  # a property, not a constraint
    with pytest.raises(ValueError):
        call_schema([])


# -- the embedded model under the grammar ----------------------------------------------------


@pytest.fixture(scope="module")
def backend():
    from agent.backends.embedded import LlamaCppBackend

    b = LlamaCppBackend(None, n_ctx=2048)
    b.tool_prompt = "brief"
    yield b
    b.llm.close()


def _valid(call, tools: dict) -> bool:
    if call.error or call.name not in tools:
        return False
    tools[call.name].Params.model_validate(call.arguments)  # what the session checks before running it
    return True


@pytest.mark.slow
def test_the_model_writes_valid_calls_once_it_starts_one(backend):
    tools = {t.name: t for t in select_tools(CORE_TOOLS)}
    specs = tool_specs(tools.values())
    system = Message(role="system", content="You are a coding agent. Use the tools.")
    for task, seed in (("Read the file README.md.", 1), ("Run the tests with pytest.", 2), ("List the files in src.", 3)):
        chunks = list(backend.stream([system, Message(role="user", content=task)], specs,
                                     Sampling(max_tokens=64, seed=seed), start="<tool_call>\n"))
        calls = [c.call for c in chunks if c.kind == "tool_call"]
        assert calls and _valid(calls[0], tools), (task, calls)
        assert chunks[-1].finish_reason == "tool_calls"


@pytest.mark.slow
def test_free_text_switches_to_the_grammar_at_the_tag_without_a_second_prefill(backend):
    """The reply starts as prose ending in '<tool_call' and the model writes the '>' itself:
    the switch happens at a tag the decoding found, and llama.cpp evaluates each token once."""
    tools = {t.name: t for t in select_tools(CORE_TOOLS)}
    specs = tool_specs(tools.values())
    messages = [Message(role="system", content="You are a coding agent."),
                Message(role="user", content="Read the file README.md.")]
    evaluated: list[int] = []
    original = backend.llm.eval
    backend.llm.eval = lambda tokens: (evaluated.append(len(tokens)), original(tokens))[1]
    try:
        chunks = list(backend.stream(messages, specs, Sampling(max_tokens=48, temperature=0.0),
                                     start="I will read it.\n<tool_call"))
    finally:
        backend.llm.eval = original
    text = "".join(c.text for c in chunks if c.kind == "text")
    calls = [c.call for c in chunks if c.kind == "tool_call"]
    usage = chunks[-1].usage
    assert text.startswith("I will read it.") and "<tool_call" not in text
    assert calls and _valid(calls[0], tools), calls
    # the prompt once, then one token at a time (a tag cut inside a token is re-tokenized: a token or two more)
    assert sum(evaluated) - (usage.prompt_tokens - usage.cached_tokens) - usage.completion_tokens in (0, 1, 2), evaluated
    assert max(evaluated[1:]) <= 3


@pytest.mark.slow
def test_switched_off_the_call_is_free(backend):
    specs = tool_specs(select_tools(CORE_TOOLS))
    backend.constrained_tool_calls = False
    try:
        assert backend.call_grammar(specs) is None and backend.describe()["constrained_tool_calls"] is False
        chunks = list(backend.stream([Message(role="user", content="Read README.md.")], specs,
                                     Sampling(max_tokens=8, temperature=0.0), start="<tool_call>\n"))
        assert chunks[-1].usage.completion_tokens <= 8
    finally:
        backend.constrained_tool_calls = True
    assert backend.call_grammar(specs) is not None and backend.call_grammar([]) is None


def test_the_setting_reaches_the_backend(tmp_path):
    from agent.backends.registry import make_backend
    from agent.config import Config, load_config

    env = {"LIMI_CONSTRAINED_TOOL_CALLS": "false"}
    assert load_config(tmp_path, environ={}, user_path=tmp_path / "none.toml").constrained_tool_calls is True
    config = load_config(tmp_path, environ=env, user_path=tmp_path / "none.toml")
    assert config.constrained_tool_calls is False
    backend = make_backend(config.model_copy(update={"model": "embedded-base", "n_ctx": 512}))
    try:
        assert backend.constrained_tool_calls is False
    finally:
        backend.llm.close()
    assert Config().constrained_tool_calls is True
    import argparse

    from limi_cli.commands.common import add_model_options, model_overrides

    parser = argparse.ArgumentParser()
    add_model_options(parser)
    for flags, expected in (([], False), (["--constrained-tool-calls"], True), (["--no-constrained-tool-calls"], False)):
        overrides = model_overrides(parser.parse_args(flags))
        assert load_config(tmp_path, overrides, environ=env, user_path=tmp_path / "none.toml").constrained_tool_calls is expected


def test_parse_reply_reads_what_the_grammar_allows(vocab):
    """A text the grammar accepts is a call the protocol's parser reads without error."""
    tools = tool_specs(select_tools(CORE_TOOLS))
    body = '\n{"name": "write_file", "arguments": {"path": "a.py", "content": "print(\\"</tool_call>\\")\\n"}}\n</tool_call>'
    with GrammarMatcher(vocab, tool_call_grammar(tools)) as m:
        assert m.accepts(body)
    _, [call] = parse_reply("<tool_call>" + body)
    assert call.error is None and call.arguments["content"] == 'print("</tool_call>")\n'
