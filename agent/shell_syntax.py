"""What a shell command will run, from a real parse of it (tree-sitter-bash).

Approval rules are written for simple commands (``git status``, ``rm -rf build``); a
command line can hold many (``a && rm x``, ``echo $(curl ...)``, ``f() { ...; }; f``).
:func:`simple_commands` lists every one of them, nested ones included, so the policy can
require each to be allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# redirect targets that write nothing anyone cares about
_HARMLESS_TARGETS = {"/dev/null", "/dev/stdout", "/dev/stderr"}


class ShellParseError(Exception):
    """The command could not be parsed (bad syntax, or tree-sitter-bash is not installed)."""


@dataclass(frozen=True)
class SimpleCommand:
    """One program run: ``text`` as written (with ``VAR=x`` prefixes), ``program`` without them,
    and whether it redirects output into a file (``> out.txt``)."""

    text: str
    program: str
    writes_file: bool = False


@lru_cache(maxsize=1)
def _parser() -> Any:
    try:
        import tree_sitter
        import tree_sitter_bash
    except ImportError as e:
        raise ShellParseError(f"tree-sitter-bash is not installed ({e}); pip install tree-sitter tree-sitter-bash") from None
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))


def simple_commands(command: str) -> list[SimpleCommand]:
    """Every simple command in ``command``, in source order; raise :class:`ShellParseError`
    when the command does not parse cleanly (then nothing about it can be trusted)."""
    tree = _parser().parse(command.encode("utf-8"))
    root = tree.root_node
    if root.has_error:
        raise ShellParseError("the command has a syntax error")
    found: list[SimpleCommand] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "command":
            found.append(_simple(node))
        stack.extend(reversed(node.children))
    return found


def _simple(node: Any) -> SimpleCommand:
    text = _text(node)
    parts = [c for c in node.children if c.type != "variable_assignment"]
    program = " ".join(_text(c) for c in parts) if parts else text
    parent = node.parent
    writes = parent is not None and parent.type == "redirected_statement" and any(
        _writes(r) for r in parent.children if r.type == "file_redirect"
    )
    return SimpleCommand(text=text, program=program, writes_file=writes)


def _writes(redirect: Any) -> bool:
    ops = [c for c in redirect.children if not c.is_named]
    if not ops or not any(op.type in (">", ">>", "&>", "&>>", ">|") for op in ops):
        return False  # an input redirect, or a descriptor copy like 2>&1
    targets = [_text(c) for c in redirect.children if c.is_named and c.type != "file_descriptor"]
    return not targets or any(t not in _HARMLESS_TARGETS for t in targets)


def _text(node: Any) -> str:
    return node.text.decode("utf-8", errors="replace")
