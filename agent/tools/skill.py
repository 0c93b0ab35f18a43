"""The ``skill`` tool: the model reads a skill (:mod:`agent.skills`) when it decides to use it.

The system prompt lists each skill's name and description; this tool gives the body of its
``SKILL.md`` (or, with ``file``, another file of the skill's folder). It only reads, so it runs
in every approval mode. What it returns is an ordinary tool result: the log and the exported
row hold the skill exactly as the model read it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from agent.skills import SkillSet, load_skills
from agent.tools.base import Observation, Tool, ToolContext, ToolError, cut_middle


class SkillTool(Tool):
    name = "skill"
    kind = "read"

    def __init__(self, skills: SkillSet | None = None):
        self.skills = skills  # None: found in the workspace (and the user's dir) at each call

    class Params(BaseModel):
        name: str = Field(description="The skill's name, as the system prompt lists it.")
        file: str | None = Field(default=None, description="Another file of the skill's folder to read, as its text "
                                                           "names it (relative to the folder); leave out for the skill itself.")

    def skill_set(self, workspace: Path) -> SkillSet:
        """The skills this tool serves."""
        return self.skills if self.skills is not None else load_skills(workspace)

    def run(self, params: SkillTool.Params, ctx: ToolContext) -> Observation:
        skills = self.skill_set(ctx.workspace.root)
        skill = skills.get(params.name.strip())
        if skill is None:
            names = ", ".join(skills.skills) or "none"
            raise ToolError(f"no skill named {params.name!r}; the skills are: {names}")
        text = skill.read_file(params.file) if params.file else skill.text()
        cut = cut_middle(text, ctx.max_output_chars)
        return Observation(output=cut, truncated=cut != text)

    def describe_call(self, params: SkillTool.Params) -> str:
        return f"skill: {params.name}" + (f" ({params.file})" if params.file else "")
