"""`aimlabel eval` over the bundled gold and its fixture recording, offline, output checked exactly.

The expected files live in tests/data/eval/. After a deliberate change (new prompt, re-recorded
fixtures, a new report line) regenerate them with

    AIMLABEL_UPDATE_EXPECTED=1 python -m pytest tests/test_eval_cli.py

and review the diff. The JSON check masks what depends on the machine or checkout (git commit,
package versions, latency); the text report never shows those.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aimlabel.cli import app

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "eval" / "gold.jsonl"
RECORDING = ROOT / "eval" / "recordings" / "fixture"
EXPECTED = Path(__file__).resolve().parents[1] / "data" / "eval"
UPDATE = os.environ.get("AIMLABEL_UPDATE_EXPECTED") == "1"
VOLATILE_MANIFEST = ("tool_version", "git_commit", "git_dirty", "python", "packages")

runner = CliRunner()


def _check_expected(name: str, actual: str) -> None:
    path = EXPECTED / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), f"{name} changed; see this module's docstring to regenerate"


def _stable(report: dict[str, Any]) -> dict[str, Any]:
    report = json.loads(json.dumps(report))
    for key in VOLATILE_MANIFEST:
        report["manifest"][key] = "<volatile>"
    report["run"]["latency_ms"] = "<volatile>"
    if report["manifest"].get("labels_file"):
        report["manifest"]["labels_file"]["sha256"] = "<volatile>"
    return report


@pytest.fixture(scope="module")
def replay_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One replay of the bundled recording, reused by every check (each replay takes ~1.5 s)."""
    out = tmp_path_factory.mktemp("eval") / "fixture-run.jsonl"
    html = out.with_name("report.html")
    result = runner.invoke(app, ["eval", "--gold", str(GOLD), "--replay", str(RECORDING), "--format", "json",
                                 "--out", str(out), "--html", str(html)])
    assert result.exit_code == 0, result.stderr
    return {"report": json.loads(result.stdout), "out": out, "html": html, "stderr": result.stderr}


def test_text_report_is_exact() -> None:
    result = runner.invoke(app, ["eval", "--gold", str(GOLD), "--replay", str(RECORDING)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ANSWERS PRODUCED BY: fixture")
    _check_expected("expected_report.txt", result.stdout)


def test_json_report_is_exact(replay_run: dict[str, Any]) -> None:
    report = replay_run["report"]
    assert report["manifest"]["recording_producer"] == "fixture"
    assert report["run"]["failed"] == 0, "the fixture recording is stale: run python eval/make_fixture_answers.py"
    _check_expected("expected_report.json", json.dumps(_stable(report), indent=2, ensure_ascii=False) + "\n")


def test_out_writes_records_and_manifest(replay_run: dict[str, Any]) -> None:
    out: Path = replay_run["out"]
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == replay_run["report"]["items"]["gold"]
    manifest = json.loads(out.with_name("fixture-run.manifest.json").read_text(encoding="utf-8"))
    assert manifest == replay_run["report"]["manifest"]
    assert manifest["gold"]["count"] == 139 and manifest["gold"]["sha256"].startswith("sha256:")
    assert manifest["prompt"] and manifest["schema"]


def test_labels_mode_scores_the_same(replay_run: dict[str, Any]) -> None:
    result = runner.invoke(app, ["eval", "--gold", str(GOLD), "--labels", str(replay_run["out"]), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    for key in ("items", "classification", "taxonomy"):
        assert report[key] == replay_run["report"][key]
    assert report["manifest"]["source"] == "labels"
    assert report["manifest"]["recording_producer"] == "fixture"


def test_html_is_self_contained(replay_run: dict[str, Any]) -> None:
    page = replay_run["html"].read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert page.count("<svg") == 2
    assert "ANSWERS PRODUCED BY: fixture" in page


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _gold_row(key: str, cls: str, **taxonomy: Any) -> dict[str, Any]:
    return {"id": key, "title": f"Article {key}", "gold": {"classification": cls, "taxonomy": taxonomy}, "origin": "test"}


def test_failed_and_missing_records_count_as_no_label(tmp_path: Path) -> None:
    gold = _write(tmp_path / "gold.jsonl", [
        _gold_row("a", "AI Incident", harm_types=[]), _gold_row("b", "AI Hazard"), _gold_row("c", "Unrelated"),
    ])
    labels = _write(tmp_path / "labels.jsonl", [
        {"id": "a", "status": "ok", "label": {"classification": "AI Incident", "harm_types": []},
         "findings": [{"rule": "evidence_quote", "severity": "warning", "message": "m"}]},
        {"id": "b", "status": "failed", "error": {"type": "timeout", "message": "slow"}},
        {"id": "zzz", "status": "ok", "label": {"classification": "Unrelated"}},
    ])
    result = runner.invoke(app, ["eval", "--gold", str(gold), "--labels", str(labels), "--format", "json", "--resamples", "50"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["items"] == {"gold": 3, "with_record": 2, "missing_record": 1, "records_not_in_gold": 1,
                               "duplicate_records_ignored": 0, "by_origin": {"test": 3}}
    c = report["classification"]
    assert c["accuracy"] == pytest.approx(1 / 3)
    assert c["confusion"]["labels"][-1] == "(no label)"
    assert c["macro_f1_over"] == ["AI Incident", "AI Hazard", "Unrelated"]
    assert report["taxonomy"]["harm_types"]["jaccard"] == 1.0
    assert report["run"]["failures_by_type"] == {"timeout": 1}
    assert report["run"]["findings"] == [{"rule": "evidence_quote", "items": 1, "error": 0, "warning": 1}]
    assert report["manifest"]["recording_producer"] is None


@pytest.mark.parametrize("args,message", [
    (["--gold", "nope.jsonl", "--labels", "x"], "gold file not found"),
    (["--gold", str(GOLD)], "give --replay DIR, --labels FILE, or --model M"),
    (["--gold", str(GOLD), "--replay", "r", "--labels", "l"], "cannot be used together"),
    (["--gold", str(GOLD), "--labels", "missing.jsonl"], "labels file not found"),
    (["--gold", str(GOLD), "--replay", "not-a-recording"], "is not an aimlabel recording"),
    (["--gold", str(GOLD), "--labels", "x", "--format", "yaml"], "--format must be text or json"),
])
def test_usage_errors(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["eval", *args])
    assert result.exit_code == 2
    assert message in result.stderr and result.stdout == ""


def test_bad_gold_and_labels_name_the_line(tmp_path: Path) -> None:
    bad_gold = _write(tmp_path / "g.jsonl", [_gold_row("a", "AI Incident"), _gold_row("b", "Maybe")])
    result = runner.invoke(app, ["eval", "--gold", str(bad_gold), "--labels", str(bad_gold)])
    assert result.exit_code == 2 and "g.jsonl:2: classification 'Maybe'" in result.stderr
    bad_value = _write(tmp_path / "v.jsonl", [_gold_row("a", "AI Incident", industries=["Spaceflight"])])
    result = runner.invoke(app, ["eval", "--gold", str(bad_value), "--labels", str(bad_value)])
    assert result.exit_code == 2 and "'Spaceflight' is not in the AIM vocabulary" in result.stderr
    good = _write(tmp_path / "ok.jsonl", [_gold_row("a", "AI Incident")])
    labels = tmp_path / "l.jsonl"
    labels.write_text('{"id": "a", "status": "ok"}\n{"id": "b", "status": "done"}\n', encoding="utf-8")
    result = runner.invoke(app, ["eval", "--gold", str(good), "--labels", str(labels)])
    # One labels reader for every command: the message is the one `aimlabel check` gives for this line.
    assert result.exit_code == 2 and "l.jsonl:2: not a valid label record: status" in result.stderr
    prices = tmp_path / "p.json"
    prices.write_text('{"models": {"m": {"input": "free"}}}', encoding="utf-8")
    result = runner.invoke(app, ["eval", "--gold", str(good), "--labels", str(good), "--prices", str(prices)])
    assert result.exit_code == 2 and "is not a price table" in result.stderr


def test_labels_accepts_every_form_check_accepts(tmp_path: Path) -> None:
    """`eval --labels` reads labels with the reader `aimlabel check` uses: records, {id, label}, flat lines."""
    gold = _write(tmp_path / "gold.jsonl", [
        _gold_row("a", "AI Incident"), _gold_row("b", "AI Hazard"), _gold_row("c", "Unrelated"),
    ])
    labels = _write(tmp_path / "labels.jsonl", [
        {"id": "a", "status": "ok", "label": {"classification": "AI Incident"}},
        {"id": "b", "label": {"classification": "AI Hazard"}, "event_id": 7},
        {"id": "c", "classification": "AI Hazard", "title": "Article c"},
    ])
    result = runner.invoke(app, ["eval", "--gold", str(gold), "--labels", str(labels), "--format", "json", "--resamples", "0"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["items"]["with_record"] == 3
    assert report["classification"]["accuracy"] == pytest.approx(2 / 3)
    check = CliRunner().invoke(app, ["check", str(labels), "--exit-zero"])
    assert check.exit_code == 0 and "3 label(s)" in check.stdout


def test_live_run_against_fake_server_uses_the_store(tmp_path: Path) -> None:
    """--model/--base-url runs the real pipeline; a second eval is served from the run store."""
    from aimlabel.testing.fakeserver import start_fake_server

    gold = _write(tmp_path / "gold.jsonl", [
        _gold_row("a", "AI Incident"), _gold_row("b", "AI Hazard"), _gold_row("c", "Unrelated"),
    ])
    store = tmp_path / "runs.sqlite"
    args = ["eval", "--gold", str(gold), "--model", "fake-model", "--api-key", "k", "--store", str(store),
            "--format", "json", "--resamples", "20"]
    with start_fake_server(latency=0.0, max_seconds=60) as server:
        first = runner.invoke(app, [*args, "--base-url", server.base_url])
        after_first = server.stats()["chat_requests"]
        second = runner.invoke(app, [*args, "--base-url", server.base_url])
        after_second = server.stats()["chat_requests"]
    assert first.exit_code == 0 and second.exit_code == 0, first.stderr + second.stderr
    report = json.loads(first.stdout)
    assert report["manifest"]["source"] == "live" and report["manifest"]["model_requested"] == ["fake-model"]
    assert report["manifest"]["recording_producer"] is None
    assert json.loads(first.stdout)["classification"] == json.loads(second.stdout)["classification"]
    assert after_first >= 3 and after_second == after_first, "the second eval must not call the model again"
    assert json.loads(second.stdout)["run"]["requests"] == 0
