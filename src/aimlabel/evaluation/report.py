"""The evaluation and comparison reports as typed models: what `eval` and `compare` print as JSON.

The models mirror the JSON field for field and in order, so `to_json()` is the report a user
gets (floats rounded to 6 digits so it reads and diffs stably). The text and HTML renderers
read the same JSON view. Section builders live in `scoring.py`, `runstats.py` and `compare.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny

from aimlabel.core.atomic import write_text_atomic
from aimlabel.core.jsonio import dump_json
from aimlabel.core.labels_file import write_labels
from aimlabel.core.record import LabelRecord, Usage
from aimlabel.evaluation.manifest import EvalManifest
from aimlabel.evaluation.metrics import ClassScores
from aimlabel.evaluation.taxonomy_metrics import FieldScores

REPORT_VERSION = "1"


def rounded(value: Any, digits: int = 6) -> Any:
    """Round floats everywhere so the JSON is stable to read and to diff."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v, digits) for v in value]
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ItemCounts(_Model):
    gold: int
    with_record: int
    missing_record: int
    records_not_in_gold: int
    duplicate_records_ignored: int
    by_origin: dict[str, int]


class ConfusionView(_Model):
    labels: list[str]
    matrix: list[list[int]]


class ClassificationSection(_Model):
    n: int
    accuracy: float
    accuracy_ci95: list[float] | None
    macro_f1: float
    macro_f1_ci95: list[float] | None
    macro_f1_over: list[str]
    kappa: float | None
    per_class: list[ClassScores]
    confusion: ConfusionView


class CostSection(_Model):
    currency: str = "USD"
    total: float | None
    priced_part: float
    unpriced_models: dict[str, int]


class LatencySection(_Model):
    mean: float | None
    p50: float | None
    p95: float | None
    max: float | None


class RuleCount(_Model):
    rule: str
    items: int = 0
    error: int = 0
    warning: int = 0


class RunSection(_Model):
    records: int
    ok: int
    needs_review: int
    failed: int
    failure_rate: float
    failures_by_type: dict[str, int]
    requests: int
    answers: int
    tokens: Usage
    cost: CostSection
    latency_ms: LatencySection
    findings: list[RuleCount]


class EventScore(_Model):
    """One gold event: its class in gold and as the labels decide it."""

    event_id: str
    articles: int
    gold: str
    predicted: str
    predicted_counts: dict[str, int]
    excluded: int


class EventSection(_Model):
    """Event-level scores, present when gold lines carry an event_id (see `evaluation.events`)."""

    rule: str
    events: int
    articles: int
    classification: ClassificationSection
    per_event: list[EventScore]


class RoutedPart(_Model):
    labels: int
    correct: int
    accuracy: float | None


class RoutingSection(_Model):
    """Accuracy of the labels a calibration threshold auto-accepted, and of those it sent to review."""

    calibrations: list[str]
    thresholds: list[float | None]
    auto_accepted: RoutedPart
    routed_low_confidence: RoutedPart


class EvalReport(_Model):
    manifest: EvalManifest
    report_version: str = REPORT_VERSION
    items: ItemCounts
    classification: ClassificationSection
    taxonomy: dict[str, FieldScores]
    run: RunSection
    events: EventSection | None = None
    routing: RoutingSection | None = None

    def to_json(self) -> dict[str, Any]:
        """The report as printed; `events` only when gold carries event ids, `routing` only when a
        calibration file routed the labels."""
        exclude = {k for k in ("events", "routing") if getattr(self, k) is None} or None
        return rounded(self.model_dump(mode="json", by_alias=True, exclude=exclude))  # type: ignore[no-any-return]


def manifest_path_for(out: Path) -> Path:
    """`labels.jsonl` -> `labels.manifest.json`, next to it."""
    return out.with_name(out.name.removesuffix(".jsonl") + ".manifest.json")


def write_labels_and_manifest(out: Path, records: list[LabelRecord], manifest: EvalManifest) -> Path:
    """`eval --out`: the records, and the manifest beside them; returns the manifest's path."""
    write_labels(out, records)
    path = manifest_path_for(out)
    write_text_atomic(path, dump_json(rounded(manifest.model_dump(mode="json", by_alias=True))))
    return path


class CompareItems(_Model):
    a: int
    b: int
    common: int
    only_a: int
    only_b: int


class Flip(_Model):
    id: str
    a: str
    b: str


class GoldFlip(Flip):
    gold: str | None


class RuleMove(_Model):
    rule: str
    appeared: list[str] = Field(default_factory=list)
    went_away: list[str] = Field(default_factory=list)


class McNemar(_Model):
    n: int
    accuracy_a: float | None
    accuracy_b: float | None
    a_right_b_wrong: int
    b_right_a_wrong: int
    p_value: float


class ClassCounts(_Model):
    label: str
    predicted_a: int
    predicted_b: int
    delta: int


class ClassDelta(_Model):
    label: str
    support: int
    precision_a: float
    precision_b: float
    recall_a: float
    recall_b: float
    f1_a: float
    f1_b: float
    f1_delta: float


class CompareReport(_Model):
    a: str
    b: str
    items: CompareItems
    agreement: float | None
    flips: list[SerializeAsAny[Flip]]
    findings: list[RuleMove]
    mcnemar: McNemar | None
    per_class: list[ClassDelta] | list[ClassCounts]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
