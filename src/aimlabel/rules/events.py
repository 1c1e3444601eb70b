"""Event consistency: the articles of one AIM event should tell the same story.

AIM files many articles under one event and gives the event one severity. An event whose
articles disagree (VALL-E 2: seventeen articles AI Hazard, one AI Incident about scams done
with *other* voice-cloning tools) means at least one article label, or the grouping, is wrong.

Each article counts with the class it is judged with: its label's classification, or, for an
article that states none (an AIM page has only rationales), the class its rationale concludes.
Articles that failed, or state no class either way, are excluded and listed with the reason.

The event's class:
1. AI Incident and AI Hazard articles vote; the most frequent wins. A tie goes to the event's
   own severity when it has one (an AIM page's Severity chip), else to the class listed first in
   the taxonomy (AI Incident before AI Hazard).
2. With no such votes, an event that has a severity takes its class; otherwise the most frequent
   other class (Complementary Information, Unrelated) in taxonomy order.

Findings: articles whose AI Incident / AI Hazard class differs from the event's
(`event.class-conflict`); Unrelated and Complementary Information articles in an incident or
hazard event (`event.unrelated-member`, `event.complementary-member`: AIM attaches follow-ups to
events, so these ask a person to confirm they belong); an event with a severity none of whose
articles supports it (`event.unsupported`); and an event whose severity disagrees with its own
rationale or with most of its articles (`event.severity`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aimlabel.core.record import Finding, LabelRecord
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.rules.base import COMPLEMENTARY, HAZARD, INCIDENT, UNRELATED
from aimlabel.rules.conclusion import CLASSES, GENERAL_NEWS, conclude
from aimlabel.rules.config import RuleConfig
from aimlabel.rules.item import judged_class
from aimlabel.rules.registry import EVENT_COMPLEMENTARY, EVENT_CONFLICT, EVENT_SEVERITY, EVENT_UNRELATED, EVENT_UNSUPPORTED, get_rule

TIE_RULE = "most AI Incident/AI Hazard articles; a tie goes to the event's severity, else AI Incident"


@dataclass(frozen=True)
class EventInfo:
    """An event's own label (an AIM page's header): its record id, severity and rationale."""

    event_id: str
    record_id: str
    label: dict[str, Any]


@dataclass(frozen=True)
class EventLabel:
    """One event: its class, how it was decided, the class counts in taxonomy order, its articles."""

    event_id: str
    label: str
    severity: str | None
    counts: dict[str, int]
    record_ids: tuple[str, ...]
    conflict: bool
    decided_by: str = "articles"
    excluded: dict[str, str] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)

    def counts_text(self) -> str:
        return ", ".join(f"{cls} {n}" for cls, n in self.counts.items())


@dataclass(frozen=True)
class EventReport:
    """Events by id (in order of first appearance) and event findings by record id."""

    events: dict[str, EventLabel] = field(default_factory=dict)
    findings: dict[str, list[Finding]] = field(default_factory=dict)


def derive_event_label(classes: Iterable[str], taxonomy: Taxonomy, severity_class: str | None = None) -> str | None:
    """The event class under the rule in this module's docstring; None for no classes."""
    counts = Counter(classes)
    order = {c: i for i, c in enumerate(taxonomy.classes)}
    voting = {c: n for c, n in counts.items() if taxonomy.severity_for_class.get(c)}
    if voting:
        best = max(voting.values())
        tied = [c for c, n in voting.items() if n == best]
        if severity_class in tied:
            return severity_class
        return min(tied, key=lambda c: order.get(c, len(order)))
    if severity_class:
        return severity_class
    if not counts:
        return None
    return min(counts, key=lambda c: (-counts[c], order.get(c, len(order))))


def _member_class(record: LabelRecord, taxonomy: Taxonomy) -> tuple[str | None, str]:
    """(class, why excluded or where the class came from): a record's class for voting, or None
    with the reason it cannot vote."""
    if record.status == "failed" or not record.label:
        return None, "failed"
    cls, source = judged_class(record.label, taxonomy)
    if not cls:
        rationale = record.label.get("rationale")
        if isinstance(rationale, str) and conclude(rationale).cls == GENERAL_NEWS:
            return COMPLEMENTARY, "rationale"
        return None, "states no class (none in the label, none concluded by its rationale)"
    if cls not in taxonomy.classes:
        return None, f"class {cls!r} is not an AIM class"
    return cls, source


class _Findings:
    def __init__(self, config: RuleConfig) -> None:
        self.config = config
        self.by_record: dict[str, list[Finding]] = {}

    def add(self, rule_id: str, record_id: str, message: str, trigger: str | None = None) -> None:
        rule = get_rule(rule_id)
        if rule.id in self.config.disabled:
            return
        finding = Finding(rule=rule.id, severity=rule.severity, message=message, trigger=trigger)
        self.by_record.setdefault(record_id, []).append(finding)


def check_events(
    records: Iterable[LabelRecord],
    *,
    taxonomy: Taxonomy | None = None,
    config: RuleConfig | None = None,
    events: Iterable[EventInfo] = (),
) -> EventReport:
    """Group records by `article.event_id`, decide each event's class, flag disagreements."""
    taxonomy = taxonomy or default_taxonomy()
    config = config or RuleConfig()
    infos = {e.event_id: e for e in events}
    members: dict[str, list[tuple[str, str]]] = {}
    concluded: set[str] = set()
    excluded: dict[str, dict[str, str]] = {}
    for record in records:
        event_id = record.article.event_id if record.article else None
        if not event_id or record.id == (infos[event_id].record_id if event_id in infos else None):
            continue
        cls, why = _member_class(record, taxonomy)
        if cls is None:
            excluded.setdefault(event_id, {})[record.id] = why
        else:
            members.setdefault(event_id, []).append((record.id, cls))
            if why == "rationale":
                concluded.add(record.id)
    found = _Findings(config)
    report = EventReport(findings=found.by_record)
    for event_id in dict.fromkeys([*members, *infos]):
        items = members.get(event_id, [])
        info = infos.get(event_id)
        severity_class, _ = judged_class(info.label, taxonomy, is_event=True) if info else ("", "none")
        chip = severity_class if severity_class in (INCIDENT, HAZARD) else None
        label = derive_event_label((cls for _, cls in items), taxonomy, chip)
        if label is None:
            continue
        tally = Counter(cls for _, cls in items)
        counts = {c: tally[c] for c in taxonomy.classes if tally[c]}
        votes = {c: n for c, n in tally.items() if c in (INCIDENT, HAZARD)}
        summary = f"event {event_id} is {label} ({', '.join(f'{c} {n}' for c, n in counts.items()) or 'no article states a class'} of {len(items)} article(s))"
        conflict = _article_findings(found, items, label, summary, concluded)
        if info is not None and chip:
            _event_findings(found, info, chip, items, votes)
        report.events[event_id] = EventLabel(
            event_id=event_id, label=label, severity=taxonomy.severity_for_class.get(label), counts=counts,
            record_ids=tuple(r for r, _ in items), conflict=conflict,
            decided_by="articles" if votes else ("severity" if chip else "articles (no incident or hazard)"),
            excluded=excluded.get(event_id, {}), classes=dict(items),
        )
    return report


def _article_findings(found: _Findings, items: list[tuple[str, str]], label: str, summary: str, concluded: set[str]) -> bool:
    conflict = False
    severe = label in (INCIDENT, HAZARD)
    for record_id, cls in items:
        said = "its rationale concludes" if record_id in concluded else "labelled"
        if cls in (INCIDENT, HAZARD) and cls != label and severe:
            conflict = True
            found.add(EVENT_CONFLICT, record_id, (
                f"{said} {cls} but {summary}; check whether this article reports the event's own AI system "
                "and harm, or belongs to another event"
            ), cls)
        elif cls == UNRELATED and severe:
            found.add(EVENT_UNRELATED, record_id, (
                f"{said} Unrelated but {summary}; check whether the article belongs to this event, or whether "
                "its label is wrong"
            ), cls)
        elif cls == COMPLEMENTARY and severe:
            found.add(EVENT_COMPLEMENTARY, record_id, (
                f"concludes Complementary Information but {summary}; check that it is a follow-up to this event "
                "(then it may stay, but it does not support the event's class) or belongs elsewhere"
            ), cls)
    return conflict


def _event_findings(found: _Findings, info: EventInfo, chip: str, items: list[tuple[str, str]], votes: dict[str, int]) -> None:
    severity = info.label.get("severity")
    if items and not votes:
        found.add(EVENT_UNSUPPORTED, info.record_id, (
            f"the event's severity is {severity!r} but none of its {len(items)} article(s) concludes AI Incident "
            "or AI Hazard; check whether the event reports harm or a credible risk at all"
        ), str(severity))
    rationale = info.label.get("rationale")
    concluded = conclude(rationale) if isinstance(rationale, str) else None
    if concluded is not None and concluded.strength == "strong" and concluded.cls in CLASSES and concluded.cls != chip and chip not in concluded.asserted:
        found.add(EVENT_SEVERITY, info.record_id, (
            f"the event's severity is {severity!r} but its rationale concludes {concluded.cls} "
            f"(\"{concluded.trigger.strip(' ,;:')}\"); check which is right and make the two agree"
        ), concluded.trigger.strip(" ,;:"))
        return
    other = HAZARD if chip == INCIDENT else INCIDENT
    if votes.get(other, 0) > votes.get(chip, 0):
        found.add(EVENT_SEVERITY, info.record_id, (
            f"the event's severity is {severity!r} but most of its articles conclude {other} "
            f"({votes.get(other, 0)} to {votes.get(chip, 0)}); check the severity, or whether these articles belong here"
        ), str(severity))
