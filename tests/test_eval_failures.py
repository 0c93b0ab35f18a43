"""Failure classes of failed task runs (evaluation/failures.py): each class on a hand-built
trajectory, the precedence between them, the check's first failing line, the report and
compare sections, and the whole way through `limi-cli eval` with a scripted model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from agent.events import AssistantMessage, SessionEnded, SessionStarted, ToolResult, UserMessage
from agent.messages import ToolCall
from agent.trajectory import TrajectoryWriter
from evaluation.failures import (
    CLASSES,
    changed_files,
    classify,
    failure_report,
    first_failing_line,
    moves,
    outcome_of,
    wrote_answer,
)
from evaluation.results import ResultsFile, RoundResult, RunResult

PYTEST_OUT = """\
============================= test session starts ==============================
collected 2 items

test_calc.py F.                                                          [100%]

=================================== FAILURES ===================================
___________________________________ test_add ___________________________________

    def test_add():
>       assert add(1, 2) == 3
E       assert -1 == 3
E        +  where -1 = add(1, 2)

test_calc.py:4: AssertionError
=========================== short test summary info ============================
FAILED test_calc.py::test_add - assert -1 == 3
========================= 1 failed, 1 passed in 0.03s ==========================
"""
TRACEBACK_OUT = """\
Traceback (most recent call last):
  File "/suite/fix-sum-to/check.py", line 4, in <module>
    assert sum_to(3) == 6, sum_to(3)
AssertionError: 3
"""
ANSWER_OUT = """\
Traceback (most recent call last):
  File "/suite/research-port/check.py", line 6, in <module>
    assert answer == '8443', answer
AssertionError: 8080
"""
CODE_DIFF = """\
diff --git a/mathops.py b/mathops.py
index 1111111..2222222 100644
--- a/mathops.py
+++ b/mathops.py
@@ -1,2 +1,2 @@
 def sum_to(n):
-    return sum(range(n))
+    return sum(range(n - 1))
"""
ANSWER_DIFF = """\
diff --git a/answer.txt b/answer.txt
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/answer.txt
@@ -0,0 +1 @@
+8080
diff --git a/count.py b/count.py
new file mode 100644
index 0000000..4444444
--- /dev/null
+++ b/count.py
@@ -0,0 +1 @@
+print(8080)
"""


def call(name: str, i: int, **arguments) -> ToolCall:
    return ToolCall(id=f"call_{i}", name=name, arguments=arguments)


def bad_call(i: int, raw: str = '<tool_call>{"name": "read_file", "arguments": {"path": </tool_call>') -> ToolCall:
    return ToolCall(id=f"call_{i}", name="read_file", error="tool call is not valid JSON: Expecting value at char 40",
                    raw=raw)


class Log:
    """A hand-built trajectory: steps are (assistant text, calls, results) written as a real log."""

    def __init__(self, path: Path):
        self.path, self.turn = path, 0
        self.writer = TrajectoryWriter(path)
        self.writer.write(SessionStarted(session_id=path.stem, limi_version="0", model="m", backend="scripted", cwd="/w",
                                         approval="yolo", system_prompt="S", mode="eval"))
        self.writer.write(UserMessage(content="Do the task."))

    def step(self, text: str = "", calls: list[ToolCall] = (), outputs: dict[str, tuple[str, str | None]] | None = None):
        self.turn += 1
        self.writer.write(AssistantMessage(turn=self.turn, content=text, tool_calls=list(calls)))
        for c in calls:
            output, kind = (outputs or {}).get(c.id, ("ok", None))
            if c.error:
                output, kind = f"Error: {c.error}", "invalid_call"
            self.writer.write(ToolResult(tool_call_id=c.id, name=c.name, output=output, is_error=kind is not None,
                                         error_kind=kind))
        return self

    def end(self, reason: str = "done") -> str:
        self.writer.write(SessionEnded(reason=reason, turns=self.turn))
        self.writer.close()
        return str(self.path)


def result(tmp_path: Path, task_id: str, log: str | None, *, stops=("done",), check_output: str = TRACEBACK_OUT,
           diff: str | None = None, **kw) -> RunResult:
    diff_path = None
    if diff is not None:
        diff_path = tmp_path / "diffs" / f"{task_id}.1.patch"
        diff_path.parent.mkdir(parents=True, exist_ok=True)
        diff_path.write_text(diff)
    rounds = [RoundResult(round=i, stop=s, check_exit_code=1, check_output=check_output) for i, s in enumerate(stops, 1)]
    return RunResult(task_id=task_id, status="fail", rounds=rounds, max_rounds=len(rounds), log_path=log,
                     diff_path=str(diff_path) if diff_path else None, **kw)


def log(tmp_path: Path, task_id: str) -> Log:
    return Log(tmp_path / "trajectories" / task_id / f"{task_id}-session.jsonl")


# -- one class each ------------------------------------------------------------------


def test_a_model_that_never_calls_a_tool(tmp_path):
    path = log(tmp_path, "t").step("You can fix it by changing range(n) to range(n + 1).").end()
    f = classify(result(tmp_path, "t", path))
    assert f.failure == "no_tool_call"
    assert "range(n + 1)" in f.detail


def test_malformed_calls_when_half_or_more_are_invalid(tmp_path):
    path = (log(tmp_path, "t").step("", [bad_call(1)]).step("", [call("read_file", 2, path="a.py")])
            .step("", [bad_call(3)]).step("Done.").end())
    f = classify(result(tmp_path, "t", path, diff=CODE_DIFF))
    assert f.failure == "malformed_calls"
    assert f.detail == "2 of 3 calls malformed; first: read_file: tool call is not valid JSON: Expecting value at char 40"


def test_one_malformed_call_among_many_is_not_the_cause(tmp_path):
    lg = log(tmp_path, "t").step("", [bad_call(1)])
    for i in range(2, 5):
        lg.step("", [call("read_file", i, path=f"f{i}.py")])
    path = lg.step("", [call("edit", 9, path="mathops.py", old_string="a", new_string="b")]).step("Fixed.").end()
    assert classify(result(tmp_path, "t", path, diff=CODE_DIFF)).failure == "check_failed"


def test_the_loop_guard_firing_is_a_loop(tmp_path):
    c = call("read_file", 1, path="a.py")
    path = (log(tmp_path, "t").step("", [c]).step("", [call("shell", 2, command="ls")])
            .step("", [call("read_file", 3, path="a.py")], {"call_3": ("not run: repeated", "repeated")})
            .end("loop"))
    f = classify(result(tmp_path, "t", path, stops=("loop",)))
    assert f.failure == "loop"
    assert "the loop guard stopped the turn" in f.detail and "1 repeated call(s) not run" in f.detail


def test_the_same_call_three_times_in_a_row_is_a_loop_without_the_guard(tmp_path):
    lg = log(tmp_path, "t")
    for i in range(3):
        lg.step("", [call("shell", i, command="pytest -q")], {f"call_{i}": (f"run {i}: 1 failed", None)})
    path = lg.step("I could not fix it.").end()
    f = classify(result(tmp_path, "t", path))
    assert f.failure == "loop"
    assert f.detail == 'shell({"command": "pytest -q"}) 3 times in a row'


def test_running_out_of_turns_while_making_progress(tmp_path):
    lg = log(tmp_path, "t")
    for i, p in enumerate(["a.py", "b.py", "c.py", "a.py", "d.py"]):
        lg.step("", [call("read_file", i, path=p)])
    path = lg.end("max_turns")
    f = classify(result(tmp_path, "t", path, stops=("max_turns",)))
    assert f.failure == "out_of_turns"
    assert f.detail == "max_turns in round 1 after 5 calls (4 distinct)"


def test_a_time_limit_counts_as_running_out(tmp_path):
    path = log(tmp_path, "t").step("", [call("shell", 1, command="sleep 100")]).end("interrupted")
    f = classify(result(tmp_path, "t", path, stops=("done", "timeout")))
    assert (f.failure, f.detail) == ("out_of_turns", "timeout in round 2 after 1 calls (1 distinct)")


def test_answering_without_doing_the_work(tmp_path):
    path = log(tmp_path, "t").step("", [call("read_file", 1, path="mathops.py")]).step("I fixed the bug.").end()
    f = classify(result(tmp_path, "t", path))
    assert (f.failure, f.detail) == ("no_work", 'answered "I fixed the bug."')


def test_an_edit_the_check_rejects_names_the_first_failing_line(tmp_path):
    path = (log(tmp_path, "t").step("", [call("edit", 1, path="mathops.py", old_string="range(n)", new_string="range(n - 1)")])
            .step("Fixed.").end())
    f = classify(result(tmp_path, "t", path, diff=CODE_DIFF))
    assert (f.failure, f.detail) == ("check_failed", "check: AssertionError: 3")


def test_a_wrong_answer_written_to_a_file(tmp_path):
    path = (log(tmp_path, "t").step("", [call("write_file", 1, path="answer.txt", content="8080")]).step("8080").end())
    f = classify(result(tmp_path, "t", path, diff=ANSWER_DIFF, check_output=ANSWER_OUT))
    assert f.failure == "wrong_answer"
    assert f.detail == "answer.txt, count.py; check: AssertionError: 8080"


def test_without_a_diff_the_edit_tools_say_what_changed(tmp_path):
    answer = log(tmp_path, "a").step("", [call("write_file", 1, path="answer.txt", content="1")]).step("1").end()
    code = log(tmp_path, "c").step("", [call("edit", 1, path="app.py", old_string="a", new_string="b")]).step("ok").end()
    failed = (log(tmp_path, "f").step("", [call("edit", 1, path="app.py", old_string="a", new_string="b")],
                                       {"call_1": ("old_string not found", "tool_error")}).step("ok").end())
    assert classify(result(tmp_path, "a", answer)).failure == "wrong_answer"
    assert classify(result(tmp_path, "c", code)).failure == "check_failed"
    assert classify(result(tmp_path, "f", failed)).failure == "no_work"  # the only edit failed: nothing changed


# -- precedence ------------------------------------------------------------------------


def test_precedence_cause_before_consequence(tmp_path):
    # malformed calls that then ran out of turns: malformed
    lg = log(tmp_path, "m")
    for i in range(4):
        lg.step("", [bad_call(i)])
    assert classify(result(tmp_path, "m", lg.end("max_turns"), stops=("max_turns",))).failure == "malformed_calls"
    # a loop that ran out of turns: loop
    lg = log(tmp_path, "l")
    for i in range(4):
        lg.step("", [call("read_file", i, path="a.py")])
    assert classify(result(tmp_path, "l", lg.end("max_turns"), stops=("max_turns",))).failure == "loop"
    # out of turns after an edit: out of turns, not check_failed
    lg = log(tmp_path, "o").step("", [call("edit", 1, path="a.py", old_string="x", new_string="y")])
    lg.step("", [call("shell", 2, command="pytest")])
    assert classify(result(tmp_path, "o", lg.end("max_turns"), stops=("max_turns",), diff=CODE_DIFF)).failure == "out_of_turns"
    assert list(CLASSES) == ["no_tool_call", "malformed_calls", "loop", "out_of_turns", "no_work", "wrong_answer",
                             "check_failed"]


def test_without_a_log_the_result_counts_decide(tmp_path):
    r = result(tmp_path, "t", str(tmp_path / "gone.jsonl"), tool_calls=0)
    f = classify(r)
    assert f.failure == "no_tool_call" and "no trajectory log" in f.detail
    r = result(tmp_path, "u", None, tool_calls=6, invalid_tool_calls=4)
    assert classify(r).failure == "malformed_calls"


def test_a_moved_run_directory_still_finds_its_log(tmp_path):
    path = log(tmp_path, "t").step("Just prose.").end()
    moved = tmp_path / "elsewhere"
    (tmp_path / "trajectories").rename(moved)
    run = tmp_path / "run"
    (run / "trajectories").mkdir(parents=True)
    moved.rename(run / "trajectories" / "x")
    (run / "trajectories" / "x" / "t").rename(run / "trajectories" / "t")
    r = result(tmp_path, "t", path)
    assert not Path(path).exists()
    f = classify(r, run)
    assert f.failure == "no_tool_call" and "no trajectory log" not in f.detail


# -- pieces ------------------------------------------------------------------------------


def test_first_failing_line():
    assert first_failing_line(PYTEST_OUT) == "FAILED test_calc.py::test_add - assert -1 == 3"
    assert first_failing_line(TRACEBACK_OUT) == "AssertionError: 3"
    assert first_failing_line("  File 'x.py', line 2\n    return (\n           ^\nSyntaxError: '(' was never closed\n") \
        == "SyntaxError: '(' was never closed"
    assert first_failing_line("ok 1\nnot ok 2 - adds numbers\n") == "not ok 2 - adds numbers"
    assert first_failing_line("partial output\n[killed: the command ran over 60 s]") == "[killed: the command ran over 60 s]"
    assert first_failing_line("some\nlast words\n") == "last words"
    assert first_failing_line("") == ""


def test_changed_files_and_what_an_answer_is():
    assert changed_files(CODE_DIFF) == {"mathops.py": False}
    assert changed_files(ANSWER_DIFF) == {"answer.txt": True, "count.py": True}
    assert wrote_answer({"answer.txt": True, "count.py": True})
    assert wrote_answer({"summary.json": False})
    assert not wrote_answer({"answer.txt": True, "mathops.py": False})  # an existing code file changed
    assert not wrote_answer({"fizzbuzz.py": True})  # new code only: an edit


def test_report_table_counts_shares_and_examples(tmp_path):
    prose = [result(tmp_path, f"p{i}", log(tmp_path, f"p{i}").step("prose").end()) for i in range(3)]
    edited = result(tmp_path, "e", log(tmp_path, "e").step("", [call("edit", 1, path="m.py", old_string="a", new_string="b")])
                    .step("ok").end(), diff=CODE_DIFF)
    passed = RunResult(task_id="ok", status="pass", passed_round=1)
    errored = RunResult(task_id="err", status="error", error="server down")
    rep = failure_report([*prose, edited, passed, errored])
    assert rep.failed == 4 and [t.task_id for t in rep.tasks] == ["p0", "p1", "p2", "e"]
    rows = {c.failure: c for c in rep.classes}
    assert list(rows) == list(CLASSES)
    assert (rows["no_tool_call"].count, rows["no_tool_call"].share, rows["no_tool_call"].examples) == (3, 75.0, ["p0", "p1", "p2"])
    assert (rows["check_failed"].count, rows["check_failed"].share) == (1, 25.0)
    assert rows["loop"].count == 0 and rows["loop"].share == 0.0


def test_moves_between_two_runs():
    base = {"a": "no_tool_call", "b": "no_tool_call", "c": "loop", "d": "pass", "e": "check_failed", "only_base": "loop"}
    other = {"a": "malformed_calls", "b": "pass", "c": "pass", "d": "pass", "e": "check_failed", "only_other": "pass"}
    m = moves("base", base, "tuned", other)
    assert m.common == 5
    assert m.counts["pass"] == (1, 3) and m.counts["no_tool_call"] == (2, 0) and m.counts["loop"] == (1, 0)
    assert m.moved == [("loop", "pass", ["c"]), ("no_tool_call", "malformed_calls", ["a"]), ("no_tool_call", "pass", ["b"])]


def test_outcome_of_reads_status_and_class():
    from evaluation.failures import TaskFailure, summarize

    rep = summarize([TaskFailure(task_id="f", failure="loop")])
    per_task = [{"task_id": "p", "status": "pass"}, {"task_id": "f", "status": "fail"}, {"task_id": "x", "status": "error"}]
    assert outcome_of(per_task, rep) == {"p": "pass", "f": "loop", "x": "error"}


def test_eval_report_and_compare_show_the_classes(tmp_path, capsys):
    from limi_cli.cli import main

    def run_dir(name: str, results: list[RunResult]) -> Path:
        run = tmp_path / name
        run.mkdir()
        (run / "run.json").write_text(json.dumps({"model": name, "rounds": 1, "suite_name": "hand"}))
        for r in results:
            ResultsFile(run).append(r)
        return run

    prose = log(tmp_path, "a").step("prose").end()
    looped = log(tmp_path, "b")
    for i in range(3):
        looped.step("", [call("read_file", i, path="x.py")])
    base = run_dir("base", [result(tmp_path, "a", prose), result(tmp_path, "b", looped.end())])
    tuned = run_dir("tuned", [result(tmp_path, "a", log(tmp_path, "a2").step("", [bad_call(1)]).step("x").end()),
                              RunResult(task_id="b", status="pass", passed_round=1)])

    assert main(["eval", "report", str(base), "--failures"]) == 0
    out = capsys.readouterr().out
    assert "no_tool_call" in out and "50.0%" in out and "answered \"prose\"" in out
    saved = json.loads((base / "report.json").read_text())
    assert saved["failures"]["failed"] == 2 and saved["failures"]["order"] == list(CLASSES)
    assert {t["task_id"]: t["failure"] for t in saved["failures"]["tasks"]} == {"a": "no_tool_call", "b": "loop"}
    assert {row["task_id"]: row["failure"] for row in saved["per_task"]} == {"a": "no_tool_call", "b": "loop"}

    assert main(["eval", "report", str(base)]) == 0  # without --failures: no class table, report.json has them
    assert "never called a tool" not in capsys.readouterr().out

    assert main(["eval", "compare", str(base), str(tuned), "--chart", str(tmp_path / "c.png")]) == 0
    out = capsys.readouterr().out
    assert "failure classes per run" in out and "no_tool_call" in out and "malformed_calls" in out
    assert "2 common tasks, 2 moved" in out
    assert main(["eval", "compare", str(base), str(tuned), "--json", "--chart", str(tmp_path / "c.png")]) == 0
    data = json.loads(capsys.readouterr().out)
    [m] = data["failure_moves"]
    assert sorted((x["from"], x["to"], x["tasks"][0]) for x in m["moved"]) == [("loop", "pass", "b"),
                                                                                ("no_tool_call", "malformed_calls", "a")]


# -- end to end: `limi-cli eval` on a scripted model -------------------------------------


def _suite(tmp_path: Path) -> Path:
    """Four tasks whose workspaces and checks are made here: code to fix, and an answer to write."""
    suite = tmp_path / "suite"
    for task in ("prose", "broken", "loops", "wrong"):
        ws = suite / task / "workspace"
        ws.mkdir(parents=True)
        (ws / "mathops.py").write_text("def sum_to(n):\n    return sum(range(n))\n")
    (suite / "check_sum.py").write_text(
        "import os, sys\nsys.path.insert(0, os.getcwd())\nfrom mathops import sum_to\nassert sum_to(3) == 6, sum_to(3)\n")
    (suite / "check_answer.py").write_text(
        "from pathlib import Path\nassert Path('answer.txt').is_file(), 'answer.txt is missing'\n"
        "answer = Path('answer.txt').read_text().strip()\nassert answer == '42', answer\n")
    rows = []
    for task in ("prose", "broken", "loops", "wrong"):
        check = "check_answer.py" if task == "wrong" else "check_sum.py"
        rows.append({"id": task, "instruction": f"Task {task}.", "workspace": f"{task}/workspace",
                     "check": f'python "$SUITE_DIR/{check}"', "limits": {"max_turns": 6}})
    (suite / "tasks.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return suite


def _replies(task: str) -> list[str]:
    edit = ('<tool_call>{"name": "edit", "arguments": {"path": "mathops.py", "old_string": "range(n)", '
            '"new_string": "range(n - 1)"}}</tool_call>')
    read = '<tool_call>{"name": "read_file", "arguments": {"path": "mathops.py"}}</tool_call>'
    return {
        "prose": ["Change range(n) to range(n + 1) and it works."],
        "broken": ["<tool_call>{\"name\": \"read_file\", \"arguments\": {\"path\": </tool_call>", edit, "Done."],
        "loops": [read] * 10,
        "wrong": ['<tool_call>{"name": "write_file", "arguments": {"path": "answer.txt", "content": "41"}}</tool_call>',
                  "The answer is 41."],
    }[task]


def test_limi_cli_eval_classifies_a_scripted_models_failures(tmp_path):
    """`limi-cli eval` runs each task in a real process, with the scripted model's replies for
    that task (one model file, rewritten between tasks, so --resume accepts the run), then
    `eval report --failures` reads the run directory: each run lands in its class."""
    suite = _suite(tmp_path)
    run = tmp_path / "run"
    replies = tmp_path / "replies.json"
    for task in ("prose", "broken", "loops", "wrong"):
        replies.write_text(json.dumps(_replies(task)))
        proc = subprocess.run(
            [sys.executable, "-m", "limi_cli.cli", "eval", str(suite), "--filter", task, "-o", str(run), "--rounds", "1",
             "-m", f"scripted:{replies}", "--resume", "--json"],
            capture_output=True, text=True, timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
    proc = subprocess.run([sys.executable, "-m", "limi_cli.cli", "eval", "report", str(run), "--failures"],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    for shown in ("no_tool_call", "malformed_calls", "loop", "wrong_answer", "25.0%", "check: AssertionError: 41"):
        assert shown in proc.stdout, (shown, proc.stdout)
    report = json.loads((run / "report.json").read_text())
    assert {t["task_id"]: t["failure"] for t in report["failures"]["tasks"]} == {
        "prose": "no_tool_call", "broken": "malformed_calls", "loops": "loop", "wrong": "wrong_answer"}
    counts = {c["failure"]: c["count"] for c in report["failures"]["classes"]}
    assert counts == {"no_tool_call": 1, "malformed_calls": 1, "loop": 1, "out_of_turns": 0, "no_work": 0,
                      "wrong_answer": 1, "check_failed": 0}
