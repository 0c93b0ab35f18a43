"""The ``task`` tool: the model hands a piece of work to a subagent, a child session with its
own context, tools and turn limit, and gets back the child's final answer as the result.

The tool itself only carries the call; :mod:`agent.subagents` builds and runs the child (a
session of the same backend, logged beside the parent's) and is attached to the tool when the
session is built (:func:`agent.subagents.attach_subagents`). The description the model reads is
``prompts/tools/task.md`` with the defined agents listed after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from agent.messages import ToolCall, ToolSpec
from agent.tools.base import Observation, Tool, ToolContext, ToolError

if TYPE_CHECKING:  # agent.subagents builds sessions; this module only names its types
    from agent.subagents import AgentCatalog, SubagentRunner


class TaskObservation(Observation):
    """A task call's result, with the child session that produced it (logged in ``tool_result``)."""

    subagent_session_id: str | None = None


class TaskTool(Tool):
    name = "task"
    # runs nothing itself: the subagent's own calls go through its own policy, never looser than the parent's
    kind = "read"

    class Params(BaseModel):
        brief: str = Field(description="Everything the subagent needs: the goal, what you know already, where to "
                                       "look, and what its answer must contain. It sees nothing of your conversation.")
        agent: str | None = Field(default=None, description="The name of a defined agent to run (see the list); "
                                                            "leave it out for a general helper.")
        tools: list[str] | None = Field(default=None, description="The tools it may use (names of your tools); "
                                                                   "default: the read-only ones.")
        max_turns: int | None = Field(default=None, ge=1, description="Its limit of model calls.")

    def __init__(self, agents: AgentCatalog | None = None, default_turns: int = 15):
        self.agents = agents  # the agent definitions it can run (loaded when the session is built)
        self.default_turns = default_turns
        self.runner: SubagentRunner | None = None  # set by agent.subagents.attach_subagents

    def spec(self) -> ToolSpec:  # type: ignore[override]  # an instance's: it lists this session's agents
        from prompts import load_tool_description

        schema = self.Params.model_json_schema()
        schema.pop("title", None)
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
        text = load_tool_description(self.name).replace("{max_turns}", str(self.default_turns))
        listed = self.agents.listing() if self.agents is not None else ""
        return ToolSpec(name=self.name, description=f"{text}\n{listed}" if listed else text, parameters=schema)

    def describe_call(self, params: BaseModel) -> str:
        p: Any = params
        brief = " ".join(p.brief.split())
        return f"task{f' ({p.agent})' if p.agent else ''}: {brief[:80]}{'...' if len(brief) > 80 else ''}"

    def run_streaming(self, params: BaseModel, ctx: ToolContext, call: ToolCall | None) -> Iterator[Any]:
        """Run the subagent for ``call``: yields its events (as :class:`~agent.events.SubagentEvent`)
        as they come and returns a :class:`TaskObservation` with its final answer."""
        if self.runner is None:
            raise ToolError("the task tool is not available in this session (no subagent runner attached)")
        return (yield from self.runner.run(params, call))  # type: ignore[arg-type]

    def run(self, params: BaseModel, ctx: ToolContext) -> Observation:
        """The subagent's result without its events (for callers that do not stream; the child's log
        then does not know the call's id)."""
        events = self.run_streaming(params, ctx, None)
        while True:
            try:
                next(events)
            except StopIteration as done:
                return done.value
