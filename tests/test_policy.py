"""Approval modes: what runs, what is asked, what is refused."""

import pytest
from pydantic import BaseModel

from agent.messages import ToolCall
from agent.policy import Decision, HeadlessApprover, Policy
from agent.tools.base import Observation, Tool


class _P(BaseModel):
    pass


def _tool(kind):
    class T(Tool):
        name = f"{kind}_tool"
        Params = _P

        def run(self, params, ctx):
            return Observation(output="")

    T.kind = kind
    return T()


CALL = ToolCall(id="c", name="x")


@pytest.mark.parametrize(
    "mode,kind,verdict",
    [
        ("read-only", "read", "allow"), ("read-only", "edit", "deny"), ("read-only", "exec", "deny"),
        ("ask", "read", "allow"), ("ask", "edit", "ask"), ("ask", "exec", "ask"),
        ("auto-edit", "read", "allow"), ("auto-edit", "edit", "allow"), ("auto-edit", "exec", "ask"),
        ("yolo", "read", "allow"), ("yolo", "edit", "allow"), ("yolo", "exec", "allow"),
    ],
)
def test_mode_table(mode, kind, verdict):
    assert Policy(mode=mode).verdict(_tool(kind)) == verdict


def test_headless_refuses_what_needs_approval_and_says_which_flag_allows_it():
    decision = Policy(mode="auto-edit", approver=HeadlessApprover()).check(_tool("exec"), CALL, "exec_tool()")
    assert not decision.allowed
    assert "headless" in decision.note and "--approval yolo" in decision.note


def test_allow_for_session_is_remembered():
    asked = []

    def approver(tool, call, summary, mode):
        asked.append(summary)
        return Decision(True, remember=True)

    policy = Policy(mode="ask", approver=approver)
    tool = _tool("exec")
    assert policy.check(tool, CALL, "first").allowed
    assert policy.check(tool, CALL, "second").allowed
    assert asked == ["first"]
