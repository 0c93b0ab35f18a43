"""Demonstration steps files: the YAML a ``limi-cli record --steps`` run plays.

```yaml
task: Fix the off-by-one in count.py          # optional: --task / --task-file win
steps:
  - thought: Let me read the file first.
    calls:
      - read_file: {path: count.py}            # short form: {tool: arguments}
  - thought: The loop stops one early.
    call: {name: edit, arguments: {path: count.py, old: "n - 1", new: "n"}}
  - thought: Does the old name still exist?
    calls: [{read_file: {path: old_count.py}}]
    expect_error: true                         # this call fails on purpose; other failures fail the recording
  - propose: accept                            # let the model propose; keep it as is
  - answer: Fixed; the loop now includes n.
  - user: Also add a test.                     # a follow-up message starts a new exchange
  - answer: Done.
label: {outcome: success, quality: 5, tags: [bugfix], notes: "clean run"}
```

Every problem is reported as ``file:line: message``; :func:`check_tools` checks tool
names and arguments against the tools' parameter models before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agent.backends.demonstration import DemoCall, DemoStep


class StepsFileError(ValueError):
    """A steps file that cannot be played; the message is ``file:line: what to fix``."""


@dataclass
class DemoScript:
    """A parsed steps file: the task (if given), the steps and the label."""

    path: Path
    steps: list[DemoStep]
    task: str | None = None
    label: dict[str, Any] = field(default_factory=dict)

    def exchanges(self, task: str) -> list[str]:
        """The user messages, in order: the task, then each ``user`` step's text."""
        return [task] + [s.text for s in self.steps if s.kind == "user"]


_STEP_KEYS = {"thought", "reasoning", "calls", "call", "answer", "user", "propose", "expect_error"}


def load_steps(path: str | Path) -> DemoScript:
    """Parse and check a steps file (structure only; see :func:`check_tools` for tools)."""
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise StepsFileError(f"{path}: cannot read the steps file: {e.strerror or e}") from None
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise StepsFileError(f"{path}:{line}: not valid YAML: {getattr(e, 'problem', None) or e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list) or not data["steps"]:
        raise StepsFileError(f"{path}:1: expected a mapping with a non-empty 'steps' list")
    lines = _step_lines(root)
    steps = [_parse_step(raw, i + 1, f"{path}:{lines[i]}") for i, raw in enumerate(data["steps"])]
    _check_order(steps)
    label = data.get("label") or {}
    if not isinstance(label, dict):
        raise StepsFileError(f"{path}:1: 'label' must be a mapping (outcome, quality, tags, notes)")
    task = data.get("task")
    return DemoScript(path, steps, str(task).strip() if task else None, label)


def _step_lines(root: Any) -> list[int]:
    for key, value in root.value:
        if key.value == "steps":
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _parse_step(raw: Any, index: int, origin: str) -> DemoStep:
    def fail(message: str) -> StepsFileError:
        return StepsFileError(f"{origin}: step {index}: {message}")

    if not isinstance(raw, dict):
        raise fail("a step is a mapping with thought+calls, answer, user or propose")
    unknown = set(raw) - _STEP_KEYS
    if unknown:
        raise fail(f"unknown key(s) {', '.join(sorted(map(str, unknown)))}; a step has {', '.join(sorted(_STEP_KEYS))}")
    reasoning = str(raw["reasoning"]) if raw.get("reasoning") is not None else None
    calls = [_parse_call(c, fail) for c in _call_list(raw, fail)]
    if "expect_error" in raw and ("user" in raw or "answer" in raw or "propose" in raw):
        raise fail("expect_error goes on a step with calls")
    if "user" in raw:
        if len(raw) > 1:
            raise fail("a user step has only 'user'")
        return DemoStep("user", str(raw["user"]), origin=origin, index=index)
    if "answer" in raw:
        if calls:
            raise fail("an answer step has no calls (it ends the exchange)")
        return DemoStep("answer", str(raw["answer"]), reasoning, origin=origin, index=index)
    thought = str(raw.get("thought") or "")
    if "propose" in raw:
        mode = raw["propose"]
        if mode not in ("accept", "edit"):
            raise fail("propose is 'accept' (keep the model's proposal) or 'edit' (replace it with this step)")
        if mode == "accept" and (calls or thought):
            raise fail("propose: accept takes the model's step as is; use propose: edit to write your own")
        return DemoStep("propose", thought, reasoning, calls, propose=mode, origin=origin, index=index)
    if not calls:
        raise fail("a step needs calls (or call), or is an answer, user or propose step")
    expect_error = raw.get("expect_error", False)
    if not isinstance(expect_error, bool):
        raise fail("expect_error is true or false")
    return DemoStep("act", thought, reasoning, calls, origin=origin, index=index, expect_error=expect_error)


def _call_list(raw: dict, fail) -> list[Any]:
    if "call" in raw and "calls" in raw:
        raise fail("give either call or calls, not both")
    if "call" in raw:
        return [raw["call"]]
    calls = raw.get("calls") or []
    if not isinstance(calls, list):
        raise fail("calls is a list of tool calls")
    return calls


def _parse_call(raw: Any, fail) -> DemoCall:
    if isinstance(raw, dict) and "name" in raw:
        name, arguments = raw["name"], raw.get("arguments") or {}
    elif isinstance(raw, dict) and len(raw) == 1:
        name, arguments = next(iter(raw.items()))
        arguments = arguments or {}
    else:
        raise fail("a call is {name: TOOL, arguments: {...}} or {TOOL: {...}}")
    if not isinstance(arguments, dict):
        raise fail(f"the arguments of {name} must be a mapping")
    return DemoCall(str(name), arguments)


def _check_order(steps: list[DemoStep]) -> None:
    """Each exchange (the task, or a user step) must end with an answer or an accepted proposal."""
    open_exchange = True
    for i, step in enumerate(steps):
        if step.kind == "user":
            if open_exchange:
                raise StepsFileError(f"{step.origin}: step {step.index}: a user step must follow an answer step")
            open_exchange = True
        elif not open_exchange:
            raise StepsFileError(f"{step.origin}: step {step.index}: after an answer comes a user step or the end")
        elif step.kind == "answer":
            open_exchange = False
    last = steps[-1]
    if open_exchange and not (last.kind == "propose" and last.propose == "accept"):
        raise StepsFileError(f"{last.origin}: step {last.index}: the last step must be an answer (a message without calls)")


def check_tools(script: DemoScript, tools: dict[str, Any]) -> list[str]:
    """Problems with the calls of ``script``: unknown tools, arguments that do not fit
    the tool's parameter model. ``tools`` maps names to :class:`~agent.tools.base.Tool`."""
    problems = []
    for step in script.steps:
        for call in step.calls:
            tool = tools.get(call.name)
            if tool is None:
                problems.append(f"{step.origin}: step {step.index}: unknown tool {call.name!r}; the tools are: {', '.join(tools)}")
                continue
            try:
                tool.Params.model_validate(call.arguments)
            except ValidationError as e:
                why = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'arguments'}: {err['msg']}" for err in e.errors())
                problems.append(f"{step.origin}: step {step.index}: bad arguments for {call.name}: {why}")
    return problems
