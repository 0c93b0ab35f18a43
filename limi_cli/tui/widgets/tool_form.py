"""A form for one tool call, built from the tool's parameter schema: one field a parameter.

String parameters are typed as they are (multi-line allowed); any other type (numbers,
booleans, lists, objects) is written as JSON. :meth:`ToolForm.arguments` checks the
result against the tool's parameter model, so a bad call is caught before it runs.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, TextArea

from agent.tools.base import Tool


class FormError(ValueError):
    """The form does not hold valid arguments; the message says which field and why."""


def _type_of(prop: dict[str, Any]) -> str:
    if "type" in prop:
        return str(prop["type"])
    kinds = [p.get("type") for p in prop.get("anyOf", []) if p.get("type") != "null"]
    return str(kinds[0]) if len(kinds) == 1 else "json"


class ToolForm(Vertical):
    """Fields for ``tool``'s parameters, prefilled from ``arguments``."""

    DEFAULT_CSS = """
    ToolForm { height: auto; }
    ToolForm .field-label { color: $text-muted; margin-top: 1; }
    ToolForm TextArea { height: auto; min-height: 3; max-height: 8; }
    """

    def __init__(self, tool: type[Tool] | Tool, arguments: dict[str, Any] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.tool = tool
        schema = tool.Params.model_json_schema()
        self.props: dict[str, dict[str, Any]] = schema.get("properties", {})
        self.required = set(schema.get("required", []))
        self.initial = arguments or {}

    def compose(self) -> ComposeResult:
        for name, prop in self.props.items():
            kind = _type_of(prop)
            need = "required" if name in self.required else "optional"
            label = f"{name} ({kind if kind == 'string' else kind + ', as JSON'}, {need})"
            if prop.get("description"):
                label += f": {prop['description']}"
            yield Static(Text(label), classes="field-label")
            value = self.initial.get(name)
            text = "" if value is None else value if isinstance(value, str) and kind == "string" else json.dumps(value)
            yield TextArea(text, id=f"arg-{name}", soft_wrap=True, show_line_numbers=False, tab_behavior="focus")

    def set_value(self, name: str, value: Any) -> None:
        area = self.query_one(f"#arg-{name}", TextArea)
        area.load_text(value if isinstance(value, str) and _type_of(self.props[name]) == "string" else json.dumps(value))

    def arguments(self) -> dict[str, Any]:
        """The arguments as typed, checked against the tool's schema; raises :class:`FormError`."""
        args: dict[str, Any] = {}
        for name, prop in self.props.items():
            raw = self.query_one(f"#arg-{name}", TextArea).text
            if not raw.strip():
                continue  # left out: the tool's default, or a "required" error below
            if _type_of(prop) == "string":
                args[name] = raw
                continue
            try:
                args[name] = json.loads(raw)
            except ValueError as e:
                raise FormError(f"{name}: not valid JSON ({e.msg})") from None
        try:
            self.tool.Params.model_validate(args)
        except ValidationError as e:
            err = e.errors()[0]
            raise FormError(f"{'.'.join(map(str, err['loc'])) or 'arguments'}: {err['msg']}") from None
        return args
