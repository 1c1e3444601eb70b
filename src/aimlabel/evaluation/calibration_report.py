"""`aimlabel calibrate`'s report and calibration file: calibration before and after the map, per class,
the accuracy-versus-coverage curve and the chosen threshold.

The map is fitted on every scored label, and the threshold chosen on the mapped scores (that
is what `label --calibration` routes on). The "after" numbers on the same labels are in-sample
and flatter the map, so the report also gives them cross-fitted: each half of the labels
mapped by a map fitted on the other half, a fairer guess of how the map does on a new run.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from aimlabel import __version__
from aimlabel.core.hashing import sha256_json
from aimlabel.core.record import LabelRecord
from aimlabel.evaluation.bootstrap import DEFAULT_SEED
from aimlabel.evaluation.calibration import (
    DEFAULT_BINS,
    ClassCalibration,
    Scored,
    Scores,
    coverage_curve,
    fit_isotonic,
    lowest_threshold,
    per_class,
    scored_pairs,
    scores,
    threshold_interval,
)
from aimlabel.evaluation.gold import GoldSet
from aimlabel.run.confidence import CalibrationFile, CalibrationProblem

FIXTURE_NOTICE = ("ANSWERS PRODUCED BY: fixture (hand-written answers and logprobs, not a model). "
                  "These numbers test the tool, not any model.")


class CalibrationReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    notice: str
    scored: int
    skipped: dict[str, int]
    n_bins: int
    raw: Scores
    calibrated_in_sample: Scores
    calibrated_cross_fitted: Scores | None
    per_class: list[ClassCalibration]
    calibration: CalibrationFile


def _one(values: set[str | None], what: str) -> str | None:
    if len(values) > 1:
        raise CalibrationProblem(f"the labels mix {len(values)} {what}s ({', '.join(sorted(str(v) for v in values))}); "
                                 "calibrate one run of one model and prompt")
    return next(iter(values)) if values else None


def notice_for(records: Sequence[LabelRecord]) -> str:
    producers = {r.provenance.recording_producer for r in records if r.provenance}
    if "fixture" in producers:
        return FIXTURE_NOTICE
    models = sorted({str(r.provenance.model_served or r.provenance.model_requested) for r in records if r.provenance})
    sources = sorted({r.provenance.source for r in records if r.provenance})
    return f"ANSWERS PRODUCED BY: {', '.join(models) or 'unknown'} ({', '.join(sources) or 'unknown source'})"


def _cross_fitted(scored: Scored) -> list[float] | None:
    """Each label's score through a map fitted on the other half (alternate labels in run order)."""
    n = len(scored.p)
    if n < 4:
        return None
    halves = [[i for i in range(n) if i % 2 == k] for k in (0, 1)]
    out = [0.0] * n
    for k in (0, 1):
        train = halves[1 - k]
        fitted = fit_isotonic([scored.p[i] for i in train], [scored.y[i] for i in train])
        for i in halves[k]:
            out[i] = fitted(scored.p[i])
    return out


def build_calibration(records: Sequence[LabelRecord], gold: GoldSet, *, classes: Sequence[str], target: float,
                      n_bins: int = DEFAULT_BINS, resamples: int = 1000, seed: int = DEFAULT_SEED) -> CalibrationReport:
    scored = scored_pairs(records, {item.id: item.gold.classification for item in gold.items})
    if not scored.p:
        why = ", ".join(f"{k} {v}" for k, v in scored.skipped.items() if v) or "no records"
        raise CalibrationProblem(f"no label has both a gold class and a measured confidence ({why}); "
                                 "label with --confidence logprobs or samples:K first")
    used = [r for r in records if r.id in set(scored.ids)]
    prov = [r.provenance for r in used if r.provenance is not None]
    model = _one({p.model_requested for p in prov}, "model")
    prompt_version = _one({p.prompt_version for p in prov}, "prompt version")
    prompt_hash = _one({p.prompt_hash for p in prov}, "prompt hash")
    prompt_id = _one({p.prompt_id for p in prov}, "prompt id")
    method = _one({r.confidence.method for r in used if r.confidence is not None}, "confidence method") or "unknown"
    mapping = fit_isotonic(scored.p, scored.y)
    mapped = [mapping(p) for p in scored.p]
    crossed = _cross_fitted(scored)
    curve = coverage_curve(mapped, scored.y)
    threshold = lowest_threshold(mapped, scored.y, target)
    cal = CalibrationFile(
        tool_version=__version__, model=model, prompt_id=prompt_id, prompt_version=prompt_version, prompt_hash=prompt_hash,
        confidence=method, gold=str(gold.path), gold_hash=gold.sha256, labels_scored=len(scored.p), target_precision=target,
        threshold=threshold, threshold_ci=threshold_interval(mapped, scored.y, target, resamples, seed),
        recalibration=mapping, curve=curve,
    )
    cal.id = sha256_json(cal.model_dump(mode="json", exclude={"id"}))
    return CalibrationReport(
        notice=notice_for(used), scored=len(scored.p), skipped=scored.skipped, n_bins=n_bins,
        raw=scores(scored.p, scored.y, n_bins), calibrated_in_sample=scores(mapped, scored.y, n_bins),
        calibrated_cross_fitted=scores(crossed, scored.y, n_bins) if crossed is not None else None,
        per_class=per_class(scored, classes, scored.p, n_bins), calibration=cal,
    )


def _n(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def render_text(report: CalibrationReport, curve_rows: int = 8) -> str:
    cal = report.calibration
    lines = [report.notice, "",
             f"model {cal.model}  prompt {cal.prompt_version}  confidence {cal.confidence}  gold {cal.gold} ({cal.gold_hash[:19]})",
             f"labels scored: {report.scored}" + "".join(f"; {k.replace('_', ' ')}: {v}" for k, v in report.skipped.items() if v), "",
             f"{'':26}{'ECE':>8}{'Brier':>8}{'mean p':>8}{'accuracy':>10}"]
    rows = [("raw confidence", report.raw), ("calibrated (in-sample)", report.calibrated_in_sample)]
    if report.calibrated_cross_fitted is not None:
        rows.append(("calibrated (cross-fitted)", report.calibrated_cross_fitted))
    for name, s in rows:
        lines.append(f"{name:26}{s.ece:8.3f}{s.brier:8.3f}{s.mean_confidence:8.3f}{s.accuracy:10.3f}")
    lines += ["", f"reliability, raw ({report.n_bins} equal-mass bins): bin range, labels, mean confidence, accuracy"]
    lines += [f"  {b.low:.3f}-{b.high:.3f}  {b.count:4d}  {b.mean_confidence:.3f}  {b.accuracy:.3f}" for b in report.raw.bins]
    lines += ["", "per class (labels that chose it; Brier one-vs-rest over all):",
              f"  {'class':28}{'n':>5}{'accuracy':>10}{'mean p':>8}{'ECE':>8}{'Brier':>8}"]
    lines += [f"  {c.label:28}{c.count:5d}{_n(c.accuracy):>10}{_n(c.mean_confidence):>8}{_n(c.ece):>8}{_n(c.brier_one_vs_rest):>8}"
              for c in report.per_class]
    step = max(1, len(cal.curve) // curve_rows)
    shown = cal.curve[::step] + ([cal.curve[-1]] if (len(cal.curve) - 1) % step else [])
    lines += ["", "accuracy vs coverage (calibrated score >= threshold):", "  threshold  coverage  accuracy  accepted"]
    lines += [f"  {p.threshold:9.3f}  {p.coverage:8.3f}  {_n(p.accuracy):>8}  {p.accepted:8d}" for p in shown]
    ci = f" (95% bootstrap CI {cal.threshold_ci[0]:.3f}-{cal.threshold_ci[1]:.3f})" if cal.threshold_ci else ""
    if cal.threshold is None:
        lines += ["", f"no threshold reaches precision {cal.target_precision:g}: every label would go to review"]
    else:
        at = next(p for p in cal.curve if p.threshold == cal.threshold)
        lines += ["", f"threshold for precision >= {cal.target_precision:g}: {cal.threshold:.3f}{ci}; "
                      f"auto-accepts {at.accepted} of {report.scored} labels ({at.coverage:.1%}) at accuracy {_n(at.accuracy)}"]
    return "\n".join(lines) + "\n"
