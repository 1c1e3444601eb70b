"""`aimlabel calibrate` (issue 15): ECE, Brier and reliability checked against scikit-learn; the
bundled overconfident recording detected and corrected; `label --calibration` routing and refusal."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from sklearn.calibration import calibration_curve
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import brier_score_loss
from typer.testing import CliRunner

from aimlabel.cli.app import app
from aimlabel.core.record import Confidence, LabelRecord
from aimlabel.evaluation.calibration import (
    brier,
    coverage_curve,
    ece,
    fit_isotonic,
    lowest_threshold,
    per_class,
    reliability,
    scored_pairs,
)
from aimlabel.evaluation.gold import load_gold

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "eval" / "gold.jsonl"
RECORDING = ROOT / "eval" / "recordings" / "fixture-logprobs"
CLASSES = ("AI Incident", "AI Hazard", "Complementary Information", "Unrelated")


def _data(seed: int, n: int = 300, ties: bool = False) -> tuple[list[float], list[int]]:
    rng = random.Random(seed)
    p = [round(rng.uniform(0.25, 1.0), 2 if ties else 6) for _ in range(n)]
    y = [int(rng.random() < pi ** 2) for pi in p]
    return p, y


@pytest.mark.parametrize(("seed", "bins", "ties"), [(1, 10, False), (2, 5, True), (3, 15, True)])
def test_reliability_bins_ece_and_brier_match_scikit_learn(seed: int, bins: int, ties: bool) -> None:
    p, y = _data(seed, ties=ties)
    ours = reliability(p, y, bins)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=bins, strategy="quantile")
    assert [b.accuracy for b in ours] == pytest.approx(list(prob_true), abs=1e-12)
    assert [b.mean_confidence for b in ours] == pytest.approx(list(prob_pred), abs=1e-12)
    assert sum(b.count for b in ours) == len(p)
    weights = [b.count / len(p) for b in ours]
    assert ece(ours) == pytest.approx(sum(w * abs(t - q) for w, t, q in zip(weights, prob_true, prob_pred)), abs=1e-12)
    assert brier(p, y) == pytest.approx(brier_score_loss(y, p), abs=1e-12)


def test_the_isotonic_map_matches_scikit_learn() -> None:
    p, y = _data(4, ties=True)
    ours = fit_isotonic(p, y)
    theirs = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(p, y)
    grid = [i / 200 for i in range(201)]
    assert [ours(x) for x in grid] == pytest.approx(list(theirs.predict(grid)), abs=1e-5)
    assert all(a <= b for a, b in zip(ours.y, ours.y[1:]))


def test_per_class_one_vs_rest_brier_matches_scikit_learn() -> None:
    rng = random.Random(5)
    records, gold = [], {}
    for i in range(120):
        weights = [rng.random() + 0.01 for _ in CLASSES]
        dist = {c: w / sum(weights) for c, w in zip(CLASSES, weights)}
        chosen = max(dist, key=lambda c: dist[c])
        gold[f"a{i}"] = rng.choice(CLASSES)
        records.append(LabelRecord(id=f"a{i}", status="ok", label={"classification": chosen},
                                   confidence=Confidence(source="logprobs", probability=dist[chosen], distribution=dist)))
    scored = scored_pairs(records, gold)
    rows = {r.label: r for r in per_class(scored, CLASSES, scored.p, 10)}
    for cls in CLASSES:
        truth = [int(g == cls) for g in scored.gold]
        probs = [(d or {})[cls] for d in scored.distributions]
        assert rows[cls].brier_one_vs_rest == pytest.approx(brier_score_loss(truth, probs), abs=1e-6)
        assert rows[cls].count == scored.predicted.count(cls)


def test_the_threshold_is_the_lowest_whose_accepted_labels_reach_the_target() -> None:
    p, y = _data(6)
    target = 0.9
    t = lowest_threshold(p, y, target)
    assert t is not None
    accepted = [yi for pi, yi in zip(p, y) if pi >= t]
    assert sum(accepted) / len(accepted) >= target
    for lower in sorted({pi for pi in p if pi < t}):  # every lower threshold misses the target
        below = [yi for pi, yi in zip(p, y) if pi >= lower]
        assert sum(below) / len(below) < target
    curve = coverage_curve(p, y)
    assert curve[-1].coverage == 1.0 and curve[-1].accuracy == pytest.approx(sum(y) / len(y), abs=1e-6)


def _calibrate(tmp: Path, labels: Path, *extra: str) -> tuple[Any, Path]:
    cal = tmp / "calibration.json"
    result = runner.invoke(app, ["calibrate", str(labels), "--gold", str(GOLD), "-o", str(cal), "--resamples", "200", *extra])
    return result, cal


def _replay(tmp: Path, name: str, *extra: str) -> Path:
    out = tmp / name
    result = runner.invoke(app, ["label", str(GOLD), "--replay", str(RECORDING), "--confidence", "logprobs", "--no-store", "-q",
                                 "-o", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, str]:
    tmp = tmp_path_factory.mktemp("calibrate")
    labels = _replay(tmp, "labels.jsonl")
    result, cal = _calibrate(tmp, labels, "--html", str(tmp / "report.html"), "--target-precision", "0.95")
    assert result.exit_code == 0, result.output
    return tmp, labels, cal, result.stdout


def test_calibrate_detects_the_bundled_overconfidence_and_corrects_it(calibrated: tuple[Path, Path, Path, str]) -> None:
    tmp, _, cal_path, text = calibrated
    assert text.startswith("ANSWERS PRODUCED BY: fixture")
    report = json.loads((tmp / "report.html").read_text().split('id="calibration-numbers">')[1].split("</script>")[0])
    raw, crossed = report["raw"], report["calibrated_cross_fitted"]
    assert raw["mean_confidence"] - raw["accuracy"] > 0.15 and raw["ece"] > 0.15  # detected: far above the diagonal
    assert crossed["ece"] < raw["ece"] / 3 and crossed["brier"] < raw["brier"] / 2  # corrected, on labels the map never saw
    assert report["calibrated_in_sample"]["ece"] < 0.01
    assert re.search(rf"raw confidence\s+{raw['ece']:.3f}", text)


def test_the_calibration_file_carries_threshold_curve_map_and_provenance(calibrated: tuple[Path, Path, Path, str]) -> None:
    _, labels, cal_path, _ = calibrated
    cal = json.loads(cal_path.read_text())
    records = [json.loads(line) for line in labels.read_text().splitlines()]
    prov = records[0]["provenance"]
    assert cal["model"] == "fixture" and cal["confidence"] == "logprobs"
    assert (cal["prompt_version"], cal["prompt_hash"]) == (prov["prompt_version"], prov["prompt_hash"])
    assert cal["gold_hash"] == load_gold(GOLD).sha256 and cal["labels_scored"] == len(records)
    assert cal["threshold"] is not None and cal["threshold_ci"][0] <= cal["threshold"] <= cal["threshold_ci"][1]
    at = next(p for p in cal["curve"] if p["threshold"] == cal["threshold"])
    assert at["accuracy"] >= 0.95 and 0 < at["coverage"] < 1
    assert cal["id"].startswith("sha256:")


def test_the_html_report_holds_an_inline_svg_reliability_diagram(calibrated: tuple[Path, Path, Path, str]) -> None:
    html = (calibrated[0] / "report.html").read_text()
    assert html.count("<svg") == 2 and 'aria-label="reliability diagram"' in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "<script src" not in html


def test_label_with_the_calibration_routes_the_unsure_to_review(calibrated: tuple[Path, Path, Path, str]) -> None:
    tmp, _, cal_path, _ = calibrated
    cal = json.loads(cal_path.read_text())
    routed = [json.loads(line) for line in _replay(tmp, "routed.jsonl", "--calibration", str(cal_path)).read_text().splitlines()]
    low = [r for r in routed if "low_confidence" in r["review_reasons"]]
    assert low and len(low) < len(routed)
    for r in routed:
        conf = r["confidence"]
        assert conf["calibration"] == cal["id"] and conf["threshold"] == cal["threshold"]
        assert ("low_confidence" in r["review_reasons"]) == (conf["calibrated"] < cal["threshold"])
        if "low_confidence" in r["review_reasons"]:
            assert r["status"] == "needs_review"
    report = json.loads(runner.invoke(app, ["eval", "--gold", str(GOLD), "--labels", str(tmp / "routed.jsonl"), "--format", "json",
                                            "--resamples", "0"]).stdout)
    routing = report["routing"]
    assert routing["auto_accepted"]["labels"] + routing["routed_low_confidence"]["labels"] == len(routed)
    assert routing["routed_low_confidence"]["labels"] == len(low)
    assert routing["auto_accepted"]["accuracy"] >= 0.95 > routing["routed_low_confidence"]["accuracy"]


def test_a_calibration_is_refused_for_another_model_or_method(calibrated: tuple[Path, Path, Path, str], tmp_path: Path) -> None:
    cal_path = calibrated[2]
    other = runner.invoke(app, ["label", str(GOLD), "--replay", str(RECORDING), "--model", "other-model", "--confidence", "logprobs",
                                "--calibration", str(cal_path), "--no-store", "-q", "-o", str(tmp_path / "x.jsonl")])
    assert other.exit_code == 2 and "model 'other-model' (calibrated on 'fixture')" in other.output
    method = runner.invoke(app, ["label", str(GOLD), "--replay", str(RECORDING), "--confidence", "samples:3",
                                 "--calibration", str(cal_path), "--no-store", "-q", "-o", str(tmp_path / "y.jsonl")])
    assert method.exit_code == 2 and "confidence 'samples:3:1' (calibrated on 'logprobs')" in method.output
    prompt = tmp_path / "prompt.toml"
    prompt.write_text((ROOT / "prompts" / "label.toml").read_text().replace('version = "', 'version = "9', 1))
    changed = runner.invoke(app, ["label", str(GOLD), "--replay", str(RECORDING), "--confidence", "logprobs", "--prompt", str(prompt),
                                  "--calibration", str(cal_path), "--no-store", "-q", "-o", str(tmp_path / "z.jsonl")])
    assert changed.exit_code == 2 and "prompt version" in changed.output
    assert not (tmp_path / "x.jsonl").exists()


def test_calibrate_without_confidence_says_what_to_do(tmp_path: Path) -> None:
    labels = tmp_path / "plain.jsonl"
    result = runner.invoke(app, ["label", str(GOLD), "--replay", str(ROOT / "eval" / "recordings" / "fixture"), "--no-store", "-q",
                                 "-o", str(labels)])
    assert result.exit_code == 0
    result, cal = _calibrate(tmp_path, labels)
    assert result.exit_code == 2 and "label with --confidence logprobs or samples:K first" in result.output
    assert not cal.exists()


def test_the_readme_shows_the_report_calibrate_prints_on_the_bundled_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    labels = tmp_path / "labels.jsonl"
    assert runner.invoke(app, ["label", "eval/gold.jsonl", "--replay", "eval/recordings/fixture-logprobs", "--confidence", "logprobs",
                               "--no-store", "-q", "-o", str(labels)]).exit_code == 0
    result = runner.invoke(app, ["calibrate", str(labels), "--gold", "eval/gold.jsonl", "-o", str(tmp_path / "c.json")])
    assert result.exit_code == 0
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("## Confidence you can route on", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    assert shown == result.stdout
