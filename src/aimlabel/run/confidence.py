"""A calibration file, and what a run does with it: recalibrate each confidence, route the unsure to review.

`aimlabel calibrate` writes the file (`aimlabel.evaluation.calibration`); `label --calibration`
reads it here. A file holds a threshold and an isotonic map fitted on one model, one prompt and
one way of measuring confidence, so it is refused for any other: a map fitted on one model's
logprobs says nothing about another's. Routing reads `Confidence.score()` (the calibrated
probability); a label whose confidence is unavailable cannot be shown to be sure, so it is
routed to review too, with the same reason.
"""

from __future__ import annotations

import bisect
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aimlabel.core.record import LabelRecord

CALIBRATION_FORMAT = "aimlabel.calibration/1"
MAX_CALIBRATION_BYTES = 4 * 1024 * 1024


class CalibrationProblem(ValueError):
    """A calibration file that cannot be read or does not fit this run, or labels that cannot be
    calibrated (nothing scored, several models or prompts mixed); the message says why."""


class IsotonicMap(BaseModel):
    """A non-decreasing map from raw to calibrated probability: points joined by straight lines,
    flat beyond the ends (as scikit-learn's `IsotonicRegression(out_of_bounds="clip")`)."""

    model_config = ConfigDict(extra="forbid")

    x: list[float]
    y: list[float]

    def __call__(self, p: float) -> float:
        xs, ys = self.x, self.y
        if not xs:
            return p
        if p <= xs[0]:
            return ys[0]
        if p >= xs[-1]:
            return ys[-1]
        i = bisect.bisect_right(xs, p)
        x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
        return y0 if x1 == x0 else y0 + (y1 - y0) * (p - x0) / (x1 - x0)


class CurvePoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    threshold: float
    coverage: float
    accuracy: float | None
    accepted: int


class CalibrationFile(BaseModel):
    """What `calibrate` measured and chose, with where it came from."""

    model_config = ConfigDict(extra="forbid")

    format: str = CALIBRATION_FORMAT
    tool_version: str
    model: str | None
    prompt_id: str | None
    prompt_version: str | None
    prompt_hash: str | None
    confidence: str = Field(description="How the run measured confidence: logprobs or samples.")
    gold: str
    gold_hash: str
    labels_scored: int
    target_precision: float
    threshold: float | None = Field(description="Accept a label when its calibrated score is at least this; null: no threshold reaches the target.")
    threshold_ci: tuple[float, float] | None = None
    recalibration: IsotonicMap
    curve: list[CurvePoint]
    id: str = ""


def read_calibration(path: Path) -> CalibrationFile:
    if not path.is_file():
        raise CalibrationProblem(f"calibration file not found: {path}")
    if path.stat().st_size > MAX_CALIBRATION_BYTES:
        raise CalibrationProblem(f"{path} is over {MAX_CALIBRATION_BYTES} bytes: not a calibration file")
    try:
        found = CalibrationFile.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise CalibrationProblem(f"{path} is not an aimlabel calibration file: {exc.errors()[0]['msg']}") from None
    if found.format != CALIBRATION_FORMAT:
        raise CalibrationProblem(f"{path} has format {found.format!r}; this aimlabel reads {CALIBRATION_FORMAT}")
    return found


def refuse_mismatch(cal: CalibrationFile, *, model: str, prompt_version: str, prompt_hash: str, confidence: str,
                    source: str = "this run") -> None:
    """Raise `CalibrationProblem` unless `cal` was fitted on this model, prompt and confidence method."""
    differ = [f"{what} {theirs!r} (calibrated on {ours!r})" for what, ours, theirs in (
        ("model", cal.model, model), ("prompt version", cal.prompt_version, prompt_version),
        ("prompt hash", cal.prompt_hash, prompt_hash), ("confidence", cal.confidence, confidence))
        if ours != theirs]
    if differ:
        raise CalibrationProblem(f"the calibration file {cal.id or '(no id)'} does not fit {source}: " + "; ".join(differ)
                                 + ". Calibrate this model and prompt with `aimlabel calibrate RUN --gold GOLD`")


class Router:
    """Apply a calibration file to each new record: calibrated score, threshold, and the routing."""

    def __init__(self, cal: CalibrationFile) -> None:
        self.cal = cal

    def __call__(self, record: LabelRecord) -> LabelRecord:
        conf = record.confidence
        if record.label is None or conf is None:
            return record
        calibrated = None if conf.probability is None else round(self.cal.recalibration(conf.probability), 6)
        conf = conf.model_copy(update={"calibrated": calibrated, "calibration": self.cal.id, "threshold": self.cal.threshold})
        low = self.cal.threshold is None or calibrated is None or calibrated < self.cal.threshold
        if not low:
            return record.model_copy(update={"confidence": conf})
        reasons = [*record.review_reasons, "low_confidence"]
        return record.model_copy(update={"confidence": conf, "status": "needs_review", "review_reasons": reasons})
