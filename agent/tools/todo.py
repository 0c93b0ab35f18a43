"""The ``todo`` tool: a task list the model keeps for itself across a long session.

The list lives in the session's tool state; every call returns it, and the session
records it in the ``todo`` field of the tool result, so the log (and a front end that
shows it) always has the latest list. A resumed session gets the list back from its log.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from agent.tools.base import Observation, Tool, ToolContext, ToolError

STATE_KEY = "todo"
MAX_ITEMS = 100
MAX_ITEM_CHARS = 500
_MARKS = {"done": "[x]", "in_progress": "[>]", "pending": "[ ]"}

TodoStatus = Literal["pending", "in_progress", "done"]


class TodoItem(BaseModel):
    content: str = Field(min_length=1, max_length=MAX_ITEM_CHARS, description="What to do, in a short sentence.")
    status: TodoStatus = Field(default="pending", description="pending, in_progress or done.")


def todo_list(ctx: ToolContext) -> list[dict[str, str]]:
    """The current list, as plain data (``content``, ``status``)."""
    return list(ctx.state.get(STATE_KEY, []))


def render_todo(items: list[dict[str, str]]) -> str:
    if not items:
        return "the todo list is empty"
    counts = {s: sum(i["status"] == s for i in items) for s in _MARKS}
    head = f"todo list ({len(items)} items: {counts['done']} done, {counts['in_progress']} in progress, {counts['pending']} pending)"
    return "\n".join([head, *(f"{_MARKS[i['status']]} {i['content']}" for i in items)])


class TodoTool(Tool):
    name = "todo"
    kind = "read"  # changes nothing but the session's own notes

    class Params(BaseModel):
        todos: list[TodoItem] | None = Field(
            default=None, description="The whole new list, replacing the old one; leave out to read the list."
        )

    def run(self, params: TodoTool.Params, ctx: ToolContext) -> Observation:
        if params.todos is None:
            return Observation(output=render_todo(todo_list(ctx)))
        if len(params.todos) > MAX_ITEMS:
            raise ToolError(f"the list has {len(params.todos)} items; keep it to {MAX_ITEMS} or fewer by merging small steps")
        doing = [t.content for t in params.todos if t.status == "in_progress"]
        if len(doing) > 1:
            raise ToolError(f"{len(doing)} items are in_progress; work on one at a time and mark the others pending")
        ctx.state[STATE_KEY] = [t.model_dump() for t in params.todos]
        return Observation(output=render_todo(todo_list(ctx)))
