"""Grammars that keep the text tool protocol's calls valid on llama.cpp.

While a llama.cpp model writes inside a ``<tool_call>`` block, its decoding is constrained by a
GBNF grammar built here from the offered tools' parameter schemas: whatever it samples is one
JSON object ``{"name": <a tool offered>, "arguments": <that tool's arguments>}`` with every
required argument, followed by ``</tool_call>``. Text outside the blocks stays free (the
backend switches grammars at the tags: :mod:`agent.backends.embedded`).

The JSON-schema-to-GBNF conversion is llama-cpp-python's own (``llama_cpp.llama_grammar``),
with one change: JSON strings may not hold raw control characters (the converter allows a
raw newline, which is not JSON and which :mod:`agent.toolprompt` reads as the end of a broken
string). A tool whose schema the converter cannot take (an MCP tool with an unusual schema)
keeps its name and gets any JSON object as its arguments.

llama_cpp is imported inside the functions that need it (start-up stays instant).
"""

from __future__ import annotations

import copy
import ctypes
import json
from functools import lru_cache
from typing import Any, Iterable

from agent.messages import ToolSpec
from agent.toolprompt import CLOSE

# JSON string characters: no quote, no backslash, no control character; escapes as JSON has them
STRICT_CHAR = r'[^"\\\x7F\x00-\x1F] | [\\] (["\\/bfnrt] | "u" [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F])'
_ANY_OBJECT = {"type": "object"}  # any JSON object


class GrammarError(Exception):
    """A grammar llama.cpp cannot parse (a bug in the builder, never the model's doing)."""


def call_schema(tools: Iterable[ToolSpec]) -> dict[str, Any]:
    """The JSON schema of one call to any of ``tools``: ``{"name": const, "arguments": schema}`` each."""
    options = []
    for tool in tools:
        options.append({
            "type": "object",
            "properties": {"name": {"const": tool.name}, "arguments": _arguments_schema(tool.parameters)},
            "required": ["name", "arguments"],
        })
    if not options:
        raise ValueError("no tools: nothing to call")
    return options[0] if len(options) == 1 else {"anyOf": options}


def _arguments_schema(parameters: dict[str, Any]) -> dict[str, Any]:
    schema = _loosen(copy.deepcopy(parameters)) if parameters else {"type": "object"}
    if schema.get("properties") == {} and not schema.get("additionalProperties"):
        return {"type": "object", "properties": {}, "additionalProperties": False}  # a tool without parameters: {}
    return schema  # (an object schema without "properties" takes any object, as JSON Schema has it)


def _loosen(node: Any) -> Any:
    """``node`` without the constraints left to the tool's own validation: lengths, patterns and
    formats (a ``maxLength`` of 500 becomes 500 nested grammar rules; a pattern may not convert)."""
    if isinstance(node, dict):
        return {k: _loosen(v) for k, v in node.items() if k not in _LEFT_TO_THE_TOOL or isinstance(v, dict)}
    if isinstance(node, list):
        return [_loosen(v) for v in node]
    return node


# (a key of this name whose value is a schema is a property called so, e.g. grep's "pattern": kept)
_LEFT_TO_THE_TOOL = frozenset({"minLength", "maxLength", "pattern", "format", "minItems", "maxItems"})


def tool_call_grammar(tools: Iterable[ToolSpec]) -> str:
    """The GBNF for what follows ``<tool_call>``: optional whitespace, one call to a tool of
    ``tools`` as JSON, optional whitespace, ``</tool_call>``."""
    specs = tuple(json.dumps([t.name, t.parameters]) for t in tools)  # key order kept: it is the order of the JSON
    return _grammar_for(specs)


@lru_cache(maxsize=16)
def _grammar_for(specs: tuple[str, ...]) -> str:
    tools = [ToolSpec(name=name, description="", parameters=params) for name, params in map(json.loads, specs)]
    # each tool on its own first: one whose schema the converter refuses gets any object as arguments
    usable = []
    for tool in tools:
        try:
            _convert(call_schema([tool]), "call")
            usable.append(tool)
        except Exception:  # noqa: BLE001 - the converter raises assertions, ValueError, KeyError...
            usable.append(ToolSpec(name=tool.name, description="", parameters=_ANY_OBJECT))
    rules = _convert(call_schema(usable), "call")
    close = json.dumps(CLOSE)
    return f'root ::= [ \\n]? call "\\n"? {close}\n{rules}\n'


def _convert(schema: dict[str, Any], name: str) -> str:
    from llama_cpp.llama_grammar import SchemaConverter

    converter = SchemaConverter(prop_order={}, allow_fetch=False, dotall=False, raw_pattern=False)
    # every tool's $refs resolve inside its own arguments schema (two tools may both define "Item")
    options = schema.get("anyOf", [schema])
    for i, option in enumerate(options):
        arguments = option["properties"]["arguments"]
        option["properties"]["arguments"] = converter.resolve_refs(arguments, f"tool{i}")
    converter.visit(schema, name)
    if "char" in converter._rules:
        converter._rules["char"] = STRICT_CHAR
    return converter.format_grammar()


def check_grammar(llm, grammar: str) -> None:
    """Raise :class:`GrammarError` unless llama.cpp parses ``grammar`` (for ``llm``'s vocabulary)."""
    import llama_cpp

    sampler = llama_cpp.llama_sampler_init_grammar(llm._model.vocab, grammar.encode("utf-8"), b"root")
    if not sampler:
        raise GrammarError("llama.cpp could not parse the tool-call grammar")
    llama_cpp.llama_sampler_free(sampler)


class GrammarMatcher:
    """Whether llama.cpp's grammar sampler lets a model write a given text: the text is
    tokenized and each token is offered to the sampler alone, as sampling would offer it.
    For tests and checks; generation itself goes through ``Llama.generate(grammar=...)``."""

    def __init__(self, llm, grammar: str):
        import llama_cpp

        self._lib = llama_cpp
        self.llm = llm
        self._sampler = llama_cpp.llama_sampler_init_grammar(llm._model.vocab, grammar.encode("utf-8"), b"root")
        if not self._sampler:
            raise GrammarError("llama.cpp could not parse the grammar")
        self._eog = [t for t in (llm.token_eos(),) if t >= 0]

    def close(self) -> None:
        if self._sampler:
            self._lib.llama_sampler_free(self._sampler)
            self._sampler = None

    def __enter__(self) -> GrammarMatcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _allows(self, token: int) -> bool:
        lib = self._lib
        data = (lib.llama_token_data * 1)(lib.llama_token_data(token, 0.0, 0.0))
        array = lib.llama_token_data_array(data=ctypes.cast(data, lib.llama_token_data_p), size=1, selected=-1, sorted=False)
        lib.llama_sampler_apply(self._sampler, ctypes.byref(array))
        return data[0].logit != float("-inf")

    def accepts(self, text: str, complete: bool = True) -> bool:
        """Whether the grammar allows ``text`` from its start (``complete``: and allows nothing
        after it but the end of generation). Starts afresh at every call."""
        self._lib.llama_sampler_reset(self._sampler)
        for token in self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False):
            if not self._allows(token):
                return False
            self._lib.llama_sampler_accept(self._sampler, token)
        return not complete or all(self._allows(t) for t in self._eog)
