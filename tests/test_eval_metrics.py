"""Metrics on hand-made result sets equal hand-computed values; compare and its test."""

from __future__ import annotations

import json
from pathlib import Path

from evaluation.compare import mcnemar_exact, paired_test
from evaluation.metrics import compute_report, rc_score
from evaluation.results import ResultsFile, RunResult


def _r(task_id: str, status: str, passed_round: int | None = None, **kw) -> RunResult:
    return RunResult(task_id=task_id, status=status, passed_round=passed_round, max_rounds=3, **kw)


def test_ftfc_sr_and_rc_on_a_hand_made_set():
    results = [
        _r("a", "pass", 1, turns=4, tool_calls=4, invalid_tool_calls=1, prompt_tokens=100, completion_tokens=20, wall_s=10),
        _r("b", "pass", 2, turns=6, tool_calls=5, invalid_tool_calls=0, prompt_tokens=200, completion_tokens=40, wall_s=20),
        _r("c", "pass", 3, turns=8, tool_calls=1, invalid_tool_calls=0, wall_s=30),
        _r("d", "fail", None, turns=2, wall_s=40),
        _r("e", "error", None, error="server down"),
    ]
    report = compute_report(results, rounds=3)
    assert report.tasks == 5 and (report.passed, report.failed, report.errors) == (3, 1, 1)
    assert report.ftfc == 20.0  # 1 of 5 in round 1
    assert report.sr == 60.0  # 3 of 5 within 3 rounds
    # unused rounds / (R - 1): a -> 2/2, b -> 1/2, c -> 0/2, d, e -> 0; mean over 5 = 1.5 / 5
    assert report.rc == 30.0
    assert report.tool_call_validity == 0.9  # 1 - 1/10
    assert report.mean_steps == 4.0  # (4 + 6 + 8 + 2 + 0) / 5
    assert report.mean_tokens == 72.0  # 360 / 5
    assert report.mean_wall_s == 20.0


def test_rc_score_normalisation():
    assert [rc_score(r, 3) for r in (1, 2, 3, None)] == [1.0, 0.5, 0.0, 0.0]
    assert rc_score(1, 5) == 1.0 and rc_score(2, 5) == 0.75
    assert compute_report([_r("a", "pass", 1)], rounds=1).rc is None


def test_no_tool_calls_means_no_validity_rate():
    assert compute_report([_r("a", "fail")], rounds=3).tool_call_validity is None


def test_exact_mcnemar_matches_the_binomial_by_hand():
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(0, 10) == 2 / 1024
    assert abs(mcnemar_exact(2, 8) - 2 * (1 + 10 + 45) / 1024) < 1e-12  # 0.109375
    assert mcnemar_exact(5, 5) == 1.0


def _run_dir(tmp_path: Path, name: str, model: str, passes: list[bool]) -> Path:
    run = tmp_path / name
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"model": model, "rounds": 3, "suite_name": "hand"}))
    results = ResultsFile(run)
    for i, ok in enumerate(passes):
        results.append(_r(f"t{i:02d}", "pass" if ok else "fail", 1 if ok else None))
    return run


def test_paired_test_needs_ten_common_tasks(tmp_path):
    from evaluation.report import load_report

    small = [load_report(_run_dir(tmp_path, n, n, [True] * 9)) for n in ("a", "b")]
    assert paired_test(*small).p_value is None
    base = load_report(_run_dir(tmp_path, "c", "base", [False] * 12))
    tuned = load_report(_run_dir(tmp_path, "d", "tuned", [True] * 10 + [False] * 2))
    test = paired_test(base, tuned)
    assert (test.common, test.base_only, test.other_only) == (12, 0, 10)
    assert test.p_value == 2 / 1024


def test_eval_compare_prints_both_runs_and_writes_a_png(tmp_path, capsys):
    from limi_cli.cli import main

    a = _run_dir(tmp_path, "base", "base-model", [False] * 12)
    b = _run_dir(tmp_path, "tuned", "tuned-model", [True] * 10 + [False] * 2)
    chart = tmp_path / "chart.png"
    assert main(["eval", "compare", str(a), str(b), "--chart", str(chart), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["sr"] for r in out["runs"]] == [0.0, 83.33]
    assert out["tests"][0]["p_value"] == 2 / 1024
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_eval_report_rescores_a_run_and_writes_report_json(tmp_path, capsys):
    from limi_cli.cli import main

    run = _run_dir(tmp_path, "r", "m", [True, False, True, True])
    assert main(["eval", "report", str(run)]) == 0
    assert "75.0%" in capsys.readouterr().out
    assert json.loads((run / "report.json").read_text())["sr"] == 75.0
