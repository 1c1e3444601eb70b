"""From article labels to event records: class, severity, taxonomy, articles and findings.

Nothing here votes or judges on its own: the labels go through the rule check exactly as
`aimlabel check` runs it (`rules.report.run_check`), whose event rules (`rules.events`) decide
each event's class, with the tie rule and the excluded articles, and flag the outliers. This
module arranges what the check found into one record per event, merges the taxonomy
(`events.merge`) and gives the severity of the decided class. Articles that failed are kept in
their event, excluded from the vote with the reason, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from aimlabel import __version__
from aimlabel.core.articles import Article
from aimlabel.core.labels_file import LabelItem, event_item
from aimlabel.core.record import Finding, LabelRecord
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.events.merge import DEFAULT_MIN_SHARE, merge_taxonomy
from aimlabel.events.record import (
    EventArticle,
    EventClass,
    EventProvenance,
    EventRecord,
    Excluded,
    Outlier,
    Role,
    StatedEvent,
    Written,
)
from aimlabel.rules.base import COMPLEMENTARY, HAZARD, INCIDENT, UNRELATED
from aimlabel.rules.config import RuleConfig
from aimlabel.rules.defaults import RULES_VERSION
from aimlabel.rules.events import TIE_RULE, EventLabel
from aimlabel.rules.registry import EVENT_COMPLEMENTARY, EVENT_CONFLICT, EVENT_UNRELATED
from aimlabel.rules.report import ItemOutcome, run_check

OUTLIER_RULES = (EVENT_CONFLICT, EVENT_UNRELATED, EVENT_COMPLEMENTARY)
SEVERITY_RULE = "the severity of the event's class: AI Incident gives AI incident, AI Hazard gives AI hazard, any other class none"
UNDECIDED = "none: no article states a class and the event has no severity"
NOT_REQUESTED = "not written: no --model or --replay was given, so the event has no written title, summary or rationale"
_ROLES: dict[str, Role] = {INCIDENT: "outlier", HAZARD: "outlier", COMPLEMENTARY: "follow-up", UNRELATED: "unrelated"}


@dataclass
class EventDraft:
    """An event record and the label items it was built from (for the written check and the page)."""

    record: EventRecord
    members: list[LabelItem]
    stated: LabelItem | None = None

    @property
    def supporting(self) -> list[LabelItem]:
        ids = {a.id for a in self.record.articles if a.role == "supports"}
        return [m for m in self.members if m.record.id in ids]


@dataclass
class EventsBuild:
    drafts: list[EventDraft]
    without_event: list[str] = field(default_factory=list)


def _event_id(item: LabelItem) -> str | None:
    return item.record.article.event_id if item.record.article else None


def _failure(record: LabelRecord) -> str:
    if record.error is not None:
        return f"failed ({record.error.type}: {record.error.message})"
    return "failed (no label)" if record.status == "failed" else "no label"


def _votes(counts: dict[str, int]) -> tuple[dict[str, int], bool]:
    votes = {c: counts[c] for c in (INCIDENT, HAZARD) if counts.get(c)}
    return votes, len(votes) == 2 and len(set(votes.values())) == 1


def _article(item: LabelItem, outcome: ItemOutcome | None, event: EventLabel | None, excluded: dict[str, str]) -> EventArticle:
    record, ref = item.record, item.record.article
    label = record.label or {}
    rationale = label.get("rationale")
    cls = event.classes.get(record.id) if event else None
    if record.id in excluded or cls is None:
        role: Role = "excluded"
    elif event is not None and cls == event.label:
        role = "supports"
    else:
        role = _ROLES.get(cls, "outlier")
    return EventArticle(
        id=record.id, title=ref.title if ref else None, outlet=ref.outlet if ref else None, date=ref.date if ref else None,
        url=ref.url if ref else None, status=record.status, classification=cls,
        class_source=(outcome.classification_source if outcome and cls else "none"), role=role,
        rationale=rationale if isinstance(rationale, str) else None,
        findings=list(outcome.findings) if outcome else [],
    )


def _stated(item: LabelItem | None, taxonomy: Taxonomy) -> StatedEvent | None:
    if item is None:
        return None
    label = item.record.label or {}
    text = {k: label.get(k) if isinstance(label.get(k), str) else None for k in ("rationale", "severity")}
    chips = {f.key: [v for v in (label[f.key] if isinstance(label[f.key], list) else [label[f.key]]) if isinstance(v, str)]
             for f in taxonomy.fields if f.key in label and f.key != "severity"}
    return StatedEvent(title=item.record.article.title if item.record.article else None,
                       summary=item.article.text if item.article else None, taxonomy=chips, **text)


def build_events(
    items: list[LabelItem],
    articles: Iterable[Article] | None = None,
    *,
    taxonomy: Taxonomy | None = None,
    config: RuleConfig | None = None,
    min_share: float = DEFAULT_MIN_SHARE,
    note: Callable[[str], None] | None = None,
) -> EventsBuild:
    """One draft per event id, in order of first appearance; `written` says nothing was written yet."""
    taxonomy = taxonomy or default_taxonomy()
    config = config or RuleConfig()
    report = run_check(items, articles, taxonomy=taxonomy, config=config, note=note)
    outcomes = {o.id: o for o in report.items}
    members: dict[str, list[LabelItem]] = {}
    stated: dict[str, LabelItem] = {}
    without: list[str] = []
    for item in items:
        event_id = _event_id(item)
        if not event_id:
            without.append(item.record.id)
        elif item.kind == "event":
            stated.setdefault(event_id, item)
        else:
            members.setdefault(event_id, []).append(item)
    drafts = []
    for event_id in dict.fromkeys([*members, *stated]):
        event = report.events.events.get(event_id)
        own = members.get(event_id, [])
        excluded = dict(event.excluded) if event else {}
        excluded |= {m.record.id: _failure(m.record) for m in own if m.record.status == "failed" or not m.record.label}
        if event is None:
            excluded |= {m.record.id: "states no class (none in the label, none concluded by its rationale)"
                         for m in own if m.record.id not in excluded}
        arts = [_article(m, outcomes.get(m.record.id), event, excluded) for m in own]
        votes, tie = _votes(event.counts if event else {})
        label = event.label if event else None
        info = stated.get(event_id)
        statement = _stated(info, taxonomy)
        record = EventRecord(
            event_id=event_id, title=statement.title if statement else None,
            classification=EventClass(
                label=label, decided_by=event.decided_by if event else UNDECIDED, votes=votes,
                counts=dict(event.counts) if event else {}, tie=tie, tie_rule=TIE_RULE,
                excluded=[Excluded(id=i, why=w) for i, w in excluded.items()],
            ),
            severity=taxonomy.severity_for_class.get(label) if label else None, severity_rule=SEVERITY_RULE,
            taxonomy=merge_taxonomy([(m.record.id, m.record.label) for m in own if m.record.label and m.record.status != "failed"],
                                    {a.id for a in arts if a.role == "supports"}, taxonomy, min_share),
            articles=arts, outliers=_outliers(arts), findings=_own_findings(info, outcomes), stated=statement,
            written=Written(status="not_requested", note=NOT_REQUESTED),
            provenance=EventProvenance(tool_version=__version__, rules_version=RULES_VERSION, taxonomy_version=taxonomy.taxonomy_version),
        )
        drafts.append(EventDraft(record, own, info))
    return EventsBuild(drafts, without)


def _outliers(articles: list[EventArticle]) -> list[Outlier]:
    return [Outlier(id=a.id, classification=a.classification, rule=f.rule, severity=f.severity, message=f.message)
            for a in articles for f in a.findings if f.rule in OUTLIER_RULES]


def _own_findings(info: LabelItem | None, outcomes: dict[str, ItemOutcome]) -> list[Finding]:
    outcome = outcomes.get(info.record.id) if info is not None else None
    return list(outcome.findings) if outcome else []


def check_written(draft: EventDraft, title: str | None, summary: str | None, rationale: str,
                  *, taxonomy: Taxonomy | None = None, config: RuleConfig | None = None) -> list[Finding]:
    """The rule check on a written event label, exactly as on an event's own label: its
    rationale rules with the articles around it, and the event rules (severity, unsupported)."""
    record = draft.record
    line = {"kind": "event", "event_id": record.event_id, "title": title, "summary": summary, "rationale": rationale,
            "severity": record.severity}
    written = event_item(0, line)
    if not isinstance(written, LabelItem):  # pragma: no cover - an event line with an event_id always parses
        raise TypeError(written.message)
    report = run_check([written, *draft.members], taxonomy=taxonomy, config=config)
    return next((list(o.findings) for o in report.items if o.kind == "event"), [])
