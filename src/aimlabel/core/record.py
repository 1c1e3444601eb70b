"""The label record: one JSON object per article, the contract every later stage reads.

`aimlabel label` writes these as JSONL; the rule check, evaluation, run store and review read
them back. A record always says what happened to its article (`status`), and, when a model was
involved, exactly what produced it (`provenance`, `usage`, `attempts`). See docs/record-format.md.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from aimlabel.core.articles import ArticleMeta

RECORD_VERSION = "1"

Status = Literal["ok", "failed", "needs_review"]


class ErrorInfo(BaseModel):
    """Why an article has no usable label. `type` is a stable, machine-readable word."""

    model_config = ConfigDict(extra="forbid")

    type: str
    message: str


class Usage(BaseModel):
    """Tokens over every attempt for this article (re-asks included)."""

    model_config = ConfigDict(extra="forbid")

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
        )


class Attempts(BaseModel):
    """`requests`: HTTP requests sent, transport retries included; `answers`: model answers
    parsed (1 + validation re-asks); `fix_rounds`: rule-check fix rounds sent (their requests
    and answers are counted in the other two as well)."""

    model_config = ConfigDict(extra="forbid")

    requests: int = 0
    answers: int = 0
    fix_rounds: int = 0


class ArticleRef(ArticleMeta):
    """Enough of the article to find it again; the text itself stays in the input file."""

    content_hash: str | None = None
    source: str | None = None
    line: int | None = None
    chars_total: int | None = None
    chars_sent: int | None = None
    truncated: bool = False


class Versions(BaseModel):
    """The versions and content hashes of what judged a label: declared once, carried by every
    record's provenance and by every run's manifest."""

    prompt_version: str | None = None
    prompt_hash: str | None = None
    schema_version: str | None = None
    schema_hash: str | None = None
    taxonomy_version: str | None = None
    rules_version: str | None = None


class _Producer(BaseModel):
    tool_version: str
    source: Literal["live", "replay", "human", "import"] = "live"
    model_requested: str | None = None
    model_served: str | None = None
    mode: str | None = None
    recording_producer: str | None = None
    batch_id: str | None = None
    prompt_id: str | None = None


class Provenance(Versions, _Producer):
    """What produced the label, so any number can be traced back (the producer's fields, then `Versions`)."""

    model_config = ConfigDict(extra="forbid")


class Finding(BaseModel):
    """One rule-check result on a label (see `aimlabel check`). `trigger` holds the words of the
    label or article that raised it, so a reviewer sees why."""

    model_config = ConfigDict(extra="forbid")

    rule: str
    severity: Literal["error", "warning"]
    message: str
    trigger: str | None = None


ConfidenceSource = Literal["logprobs", "samples", "unavailable"]
ReviewReason = Literal["rule_error", "low_confidence"]


class Confidence(BaseModel):
    """How sure the model was of the class it chose, measured, never asked for (see docs/confidence.md).

    `probability` is the chosen class's share: from token logprobs, or the vote share of
    `samples` answers; `distribution` spreads it over the classes where that is known. With
    `source: "unavailable"` the server gave no logprobs and both are null: nothing is invented.
    `calibrated` is `probability` through a calibration file's map (`aimlabel calibrate`).
    """

    model_config = ConfigDict(extra="forbid")

    source: ConfidenceSource
    method: str | None = Field(default=None, description="The --confidence setting that measured it: logprobs, or samples:K:T.")
    probability: float | None = None
    distribution: dict[str, float] | None = None
    classes_absent: list[str] = Field(default_factory=list, description="Classes the server's top_logprobs did not list: probability 0.")
    coverage: float | None = Field(default=None, description="Logprobs: the raw mass of the classes found, before normalising to 1.")
    samples: int | None = None
    votes: dict[str, int] | None = None
    temperature: float | None = None
    tie_rule: str | None = None
    note: str | None = None
    calibrated: float | None = None
    calibration: str | None = Field(default=None, description="The calibration file's id (hash) that gave `calibrated` and the routing.")
    threshold: float | None = None

    def score(self) -> float | None:
        """The number routing and sorting use: the calibrated probability when there is one."""
        return self.calibrated if self.calibrated is not None else self.probability


class LabelRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    record_version: str = RECORD_VERSION
    id: str = Field(description="The article's key: its id, or art-<hash> when it has none.")
    status: Status
    label: dict[str, Any] | None = None
    error: ErrorInfo | None = None
    article: ArticleRef | None = None
    attempts: Attempts = Field(default_factory=Attempts)
    usage: Usage = Field(default_factory=Usage)
    latency_ms: float = 0.0
    cached: bool = Field(default=False, description="Answer served from the run store's cache: no model call, no cost.")
    provenance: Provenance | None = None
    findings: list[Finding] = Field(default_factory=list)
    confidence: Confidence | None = None
    review_reasons: list[ReviewReason] = Field(
        default_factory=list, description="Why the status is needs_review: error findings, a confidence under the threshold, or both.")

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=False)


def article_ref(article: ArticleMeta, source: str | None, line: int | None, **extra: object) -> ArticleRef:
    """The record's reference to `article` (all its fields but the text), with where it was read."""
    fields = {k: getattr(article, k) for k in ArticleMeta.model_fields}
    return ArticleRef.model_validate({**fields, "source": source, "line": line, **extra})
