"""The event record: one JSON object per event, what `aimlabel events` writes (docs/record-format.md).

It is built so a reviewer can see how every part was decided without rerunning anything: the
class with its votes, the tie rule and the articles left out of the vote; the taxonomy with
every value's count and the share it needed; the severity and the rule that gives it; every
article with its class and rationale; the findings, outliers first; and, when a model wrote the
title, summary and rationale, which articles it was shown, what it cost and what produced it.
`schemas/event_record.schema.json` is this model's JSON Schema (`aimlabel schema --kind
event-record`); a test validates written records against that file.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from aimlabel.core.record import Attempts, ErrorInfo, Finding, Provenance, Usage

EVENT_RECORD_VERSION = "1"

WrittenStatus = Literal["ok", "needs_review", "failed", "not_attempted", "not_requested"]
Role = Literal["supports", "outlier", "follow-up", "unrelated", "excluded"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Excluded(_Model):
    """An article of the event that does not vote, and why."""

    id: str
    why: str


class EventClass(_Model):
    """The event's class and how it was decided."""

    label: str | None = Field(description="The event's AIM class; null when no article states one and the event has no severity.")
    decided_by: str = Field(description="articles (their AI Incident/AI Hazard votes), severity (the event's own severity, no votes), or articles (no incident or hazard).")
    votes: dict[str, int] = Field(description="AI Incident and AI Hazard votes, in taxonomy order.")
    counts: dict[str, int] = Field(description="Every class the voting articles were judged with, in taxonomy order.")
    tie: bool = Field(description="The two top vote counts were equal, so the tie rule decided.")
    tie_rule: str
    excluded: list[Excluded] = Field(description="Articles of the event that do not vote: failed, or stating no class.")


class FieldMerge(_Model):
    """One taxonomy field merged over the counted articles."""

    values: list[str] = Field(description="The values kept, in taxonomy order.")
    counts: dict[str, int] = Field(description="Every value any counted article carries, with how many carry it.")
    articles: int = Field(description="Counted articles that carry this field at all (the denominator of the share).")
    needed: int = Field(description="Articles a value needed to be kept.")


class MergedTaxonomy(_Model):
    rule: str
    min_share: float
    over: str = Field(description="Which articles were counted.")
    articles: list[str] = Field(description="Ids of the counted articles.")
    fields: dict[str, FieldMerge]


class EventArticle(_Model):
    """One article of the event, as the event sees it."""

    id: str
    title: str | None = None
    outlet: str | None = None
    date: str | None = None
    url: str | None = None
    status: str
    classification: str | None = Field(description="The class the article is judged with.")
    class_source: str = Field(description="label, rationale (concluded from it), or none.")
    role: Role = Field(description="supports the event's class; outlier (another incident/hazard class); follow-up (Complementary Information); unrelated; excluded (does not vote).")
    rationale: str | None = None
    findings: list[Finding] = Field(default_factory=list)


class Outlier(_Model):
    """An article an event rule flags as not fitting the event."""

    id: str
    classification: str | None
    rule: str
    severity: Literal["error", "warning"]
    message: str


class StatedEvent(_Model):
    """The event's own label when the input carries one (an AIM page's header)."""

    title: str | None = None
    summary: str | None = None
    rationale: str | None = None
    severity: str | None = None
    taxonomy: dict[str, list[str]] = Field(default_factory=dict)


class Written(_Model):
    """The title, summary and rationale a model wrote for the event, or why there are none."""

    status: WrittenStatus
    note: str | None = None
    title: str | None = None
    summary: str | None = None
    rationale: str | None = None
    error: ErrorInfo | None = None
    findings: list[Finding] = Field(default_factory=list, description="The rule check on the written rationale.")
    articles_sent: list[str] = Field(default_factory=list)
    articles_left_out: list[Excluded] = Field(default_factory=list)
    token_budget: int | None = None
    tokens_counted: int | None = Field(default=None, description="Tokens of the request as counted before sending it.")
    token_counter: str | None = None
    attempts: Attempts = Field(default_factory=Attempts)
    usage: Usage = Field(default_factory=Usage)
    latency_ms: float = 0.0
    provenance: Provenance | None = None


class Nearest(_Model):
    """The most similar article `--group` kept out of an event, and why (a split to check)."""

    id: str
    similarity: float
    days_apart: int | None
    why: str


class Grouping(_Model):
    """How `--group` made this event from articles without an event_id."""

    rule: str
    threshold: float
    window_days: int
    min_similarity: float | None = Field(description="The lowest similarity between two of its articles (null for one article).")
    basis: str = Field(description="The text compared.")
    undated: list[str] = Field(default_factory=list, description="Articles without a readable date (the window could not be applied).")
    nearest_outside: Nearest | None = Field(default=None, description="The most similar article in another event, and why it is not in this one.")


class EventProvenance(_Model):
    tool_version: str
    rules_version: str
    taxonomy_version: str


class EventRecord(_Model):
    """One event: see docs/record-format.md."""

    record_version: str = EVENT_RECORD_VERSION
    kind: Literal["event"] = "event"
    event_id: str
    title: str | None = Field(description="The written title, else the event's own (stated) title, else null.")
    classification: EventClass
    severity: str | None = Field(description="The severity of the event's class.")
    severity_rule: str
    taxonomy: MergedTaxonomy
    articles: list[EventArticle]
    outliers: list[Outlier]
    findings: list[Finding] = Field(description="Findings on the event's own stated label.")
    stated: StatedEvent | None
    written: Written
    grouping: Grouping | None = None
    provenance: EventProvenance

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=False)


def event_record_schema() -> dict[str, Any]:
    """The JSON Schema of the event record (the text of schemas/event_record.schema.json)."""
    schema = EventRecord.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
