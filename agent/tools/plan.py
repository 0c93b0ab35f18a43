"""Plan mode's ``present_plan`` tool: the model hands its plan to the person.

In the ``plan`` approval mode only read tools run (:mod:`agent.policy`); the model explores and
ends with ``present_plan(plan)``. The session (:meth:`agent.session.Session`) asks the front end
through its approver's ``review_plan`` (a :class:`PlanReviewer`), logs a ``plan_decision`` event,
and answers the call with :func:`plan_result`, the text the model reads:

- ``accept``: the approval mode becomes ``auto-edit`` or ``ask`` and the model goes on, in the
  same turn, to carry the plan out (an edited plan is given back in full);
- ``reject``: the model stays in plan mode with the person's note;
- no reviewer (headless): the plan is shown and the run ends there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from agent.tools.base import Observation, Tool, ToolContext, ToolError

# what a person may switch to when accepting a plan
ACCEPT_MODES = ("auto-edit", "ask")

PLAN_MODE_NOTE = ("[plan mode: only read tools run. Explore what you need to, then call present_plan with your "
                  "complete plan. Do not change files or run commands; the user will accept, edit or reject the plan.]")
PLAN_MODE_NOTE_NO_TOOL = ("[plan mode: only read tools run. Explore what you need to, then answer with your complete "
                          "plan. Do not change files or run commands.]")


def plan_mode_over_note(mode: str) -> str:
    return f"[plan mode is over: the approval mode is now {mode}; go ahead with the work.]"


@dataclass(frozen=True)
class PlanReview:
    """A person's answer to a plan: ``accept`` (``plan`` as accepted, perhaps edited; ``mode`` to go
    on in, one of :data:`ACCEPT_MODES`) or ``reject`` (``note`` for the model)."""

    action: Literal["accept", "reject"]
    plan: str = ""
    mode: str = "auto-edit"
    note: str = ""


class PlanReviewer(Protocol):
    """Shows a plan to the person and waits for their answer (front ends implement it on their approver)."""

    def review_plan(self, plan: str, mode: str) -> PlanReview: ...


class PresentPlanTool(Tool):
    name = "present_plan"
    kind = "read"  # changes nothing; what it leads to is the person's decision

    class Params(BaseModel):
        plan: str = Field(description="The complete plan, in Markdown: what to change, where, in which order, "
                                      "and how to check it.")

    def run(self, params: PresentPlanTool.Params, ctx: ToolContext) -> Observation:
        # the session answers present_plan itself (it needs the person and the policy); this is
        # what a session without that support would do
        raise ToolError("present_plan is not available here; write the plan as your answer")

    def describe_call(self, params: PresentPlanTool.Params) -> str:
        first = next((ln.strip() for ln in params.plan.splitlines() if ln.strip()), "")
        return f"present_plan: {first[:80]}"


def plan_result(review: PlanReview | None, presented: str) -> str:
    """The text the model reads as ``present_plan``'s result (None: shown headless, the run ends)."""
    if review is None:
        return "The plan was shown to the user. The run ends here; do not carry it out."
    if review.action == "reject":
        note = review.note.strip() or "(no note)"
        return (f"The user rejected the plan. Their note: {note}\n"
                "You are still in plan mode: explore further if you need to, then present a revised plan "
                "with present_plan.")
    if review.plan.strip() != presented.strip():
        return (f"The user edited the plan and accepted it; the approval mode is now {review.mode}. "
                f"Carry out this plan, as edited:\n\n{review.plan.strip()}")
    return f"The user accepted the plan; the approval mode is now {review.mode}. Carry it out now."
