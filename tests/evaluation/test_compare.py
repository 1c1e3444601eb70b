"""`aimlabel compare`: flips, exact McNemar, per-class deltas and rule findings that moved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.core.record import LabelRecord
from aimlabel.evaluation.compare import compare_runs

runner = CliRunner()


def _rec(key: str, cls: str | None, rules: tuple[str, ...] = ()) -> dict[str, Any]:
    if cls is None:
        return {"id": key, "status": "failed", "error": {"type": "timeout", "message": "slow"}}
    return {"id": key, "status": "ok", "label": {"classification": cls},
            "findings": [{"rule": r, "severity": "warning", "message": "m"} for r in rules]}


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path, Path]:
    gold = _write(tmp_path / "gold.jsonl", [
        {"id": k, "title": k, "gold": {"classification": c}, "origin": "test"}
        for k, c in [("a", "AI Incident"), ("b", "AI Incident"), ("c", "AI Hazard"), ("d", "Unrelated"), ("e", "AI Incident")]
    ])
    run_a = _write(tmp_path / "a.jsonl", [
        _rec("a", "AI Incident", ("quote",)), _rec("b", "AI Hazard"), _rec("c", "AI Hazard"),
        _rec("d", "AI Incident", ("harm",)), _rec("e", None), _rec("only-a", "Unrelated"),
    ])
    run_b = _write(tmp_path / "b.jsonl", [
        _rec("a", "AI Incident"), _rec("b", "AI Incident", ("quote",)), _rec("c", "AI Hazard"),
        _rec("d", "Unrelated", ("harm",)), _rec("e", "AI Incident"),
    ])
    return gold, run_a, run_b


EXPECTED_WITH_GOLD = """\
A: a.jsonl
B: b.jsonl
Articles: 5 in both (1 only in A, 0 only in B); same class in 0.400 of them

Against gold (5 articles): accuracy A 0.400, B 1.000
  exact McNemar: A right/B wrong 0, B right/A wrong 3, two-sided p = 0.25

Per class (B - A)
  class        support   F1 A   F1 B   delta  recall A  recall B
  AI Incident        3  0.400  1.000  +0.600     0.333     1.000
  AI Hazard          1  0.667  1.000  +0.333     1.000     1.000
  Unrelated          1  0.000  1.000  +1.000     0.000     1.000

Class changed: 3 article(s)
  id  A            B            gold
  b   AI Hazard    AI Incident  AI Incident
  d   AI Incident  Unrelated    Unrelated
  e   (no label)   AI Incident  AI Incident

Rule findings
  rule   appeared  went away
  quote         1          1
"""


def test_compare_with_gold_exact(runs: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    gold, run_a, run_b = runs
    monkeypatch.chdir(run_a.parent)
    result = runner.invoke(app, ["compare", "a.jsonl", "b.jsonl", "--gold", "gold.jsonl"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == EXPECTED_WITH_GOLD


def test_compare_without_gold(runs: tuple[Path, Path, Path]) -> None:
    _, run_a, run_b = runs
    result = runner.invoke(app, ["compare", str(run_a), str(run_b), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["mcnemar"] is None
    assert [f["id"] for f in report["flips"]] == ["b", "d", "e"] and "gold" not in report["flips"][0]
    assert {r["label"]: r["delta"] for r in report["per_class"]} == {
        "AI Incident": 1, "AI Hazard": -1, "Complementary Information": 0, "Unrelated": 1, "(no label)": -1}
    assert report["findings"] == [{"rule": "quote", "appeared": ["b"], "went_away": ["a"]}]
    text = runner.invoke(app, ["compare", str(run_a), str(run_b)]).stdout
    assert "No --gold: class changes only, no significance test." in text


def test_identical_runs_have_p_one() -> None:
    records = [LabelRecord.model_validate(_rec(k, "AI Incident")) for k in "abc"]
    report = compare_runs(records, records)
    assert report.flips == [] and report.agreement == 1.0 and report.findings == []


def test_compare_usage_errors(tmp_path: Path) -> None:
    result = runner.invoke(app, ["compare", str(tmp_path / "x.jsonl"), str(tmp_path / "y.jsonl")])
    assert result.exit_code == 2 and "labels file not found" in result.stderr
