"""Event consistency: the articles of one AIM event should tell the same story.

AIM files many articles under one event, and the event gets one severity. An event whose
articles disagree (VALL-E 2: sixteen articles AI Hazard, one AI Incident about scams done with
*other* voice-cloning tools) means at least one article label, or the event grouping, is wrong.

Event label, derived from the `ok` labels of the event's articles:
1. If any article is AI Incident or AI Hazard (a class that carries a severity), the event label
   is the most frequent of those classes; a tie goes to the class listed first in the taxonomy
   (AI Incident before AI Hazard). Complementary Information and Unrelated articles do not vote:
   they are attached to events but do not make one.
2. Otherwise it is the most frequent class among the rest, ties again in taxonomy order.
Articles whose incident/hazard class differs from the event label are flagged
(`event.class-conflict`), so an AI Incident from a minority of an event's articles is always
flagged; Unrelated articles in an incident or hazard event are flagged (`event.unrelated-member`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from aimlabel.core.record import Finding, LabelRecord
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.rules.engine import UNRELATED, RuleConfig
from aimlabel.rules.registry import EVENT_CONFLICT, EVENT_UNRELATED, get_rule


@dataclass(frozen=True)
class EventLabel:
    """One event: its derived label, the class counts in taxonomy order, and its articles."""

    event_id: str
    label: str
    severity: str | None
    counts: dict[str, int]
    record_ids: tuple[str, ...]
    conflict: bool

    def counts_text(self) -> str:
        return ", ".join(f"{cls} {n}" for cls, n in self.counts.items())


@dataclass(frozen=True)
class EventReport:
    """Events by id (in order of first appearance) and event findings by record id."""

    events: dict[str, EventLabel] = field(default_factory=dict)
    findings: dict[str, list[Finding]] = field(default_factory=dict)


def derive_event_label(classes: Iterable[str], taxonomy: Taxonomy) -> str | None:
    """The event label under the rule in this module's docstring; None for no classes."""
    counts = Counter(classes)
    voting = {c: n for c, n in counts.items() if taxonomy.severity_for_class.get(c)} or dict(counts)
    if not voting:
        return None
    order = {c: i for i, c in enumerate(taxonomy.classes)}
    return min(voting, key=lambda c: (-voting[c], order.get(c, len(order))))


def _classified(record: LabelRecord, taxonomy: Taxonomy) -> tuple[str, str] | None:
    """(event_id, class) of a record that can vote, else None."""
    if record.status != "ok" or not record.label or record.article is None or not record.article.event_id:
        return None
    cls = record.label.get("classification")
    if not isinstance(cls, str) or cls not in taxonomy.classes:
        return None
    return record.article.event_id, cls


def check_events(
    records: Iterable[LabelRecord], *, taxonomy: Taxonomy | None = None, config: RuleConfig | None = None
) -> EventReport:
    """Group `ok` records by `article.event_id`, derive each event's label, flag disagreements."""
    taxonomy = taxonomy or default_taxonomy()
    config = config or RuleConfig()
    members: dict[str, list[tuple[str, str]]] = {}
    for record in records:
        if (found := _classified(record, taxonomy)) is not None:
            members.setdefault(found[0], []).append((record.id, found[1]))

    report = EventReport()
    conflict_rule, unrelated_rule = get_rule(EVENT_CONFLICT), get_rule(EVENT_UNRELATED)
    for event_id, items in members.items():
        label = derive_event_label((cls for _, cls in items), taxonomy)
        if label is None:
            continue
        tally = Counter(cls for _, cls in items)
        counts = {c: tally[c] for c in taxonomy.classes if tally[c]}
        severity = taxonomy.severity_for_class.get(label)
        summary = f"event {event_id} is labelled {label} ({', '.join(f'{c} {n}' for c, n in counts.items())} of {len(items)} article(s))"
        conflict = False
        for record_id, cls in items:
            finding: Finding | None = None
            if cls != label and taxonomy.severity_for_class.get(cls) and severity:
                conflict = True
                if conflict_rule.id not in config.disabled:
                    finding = Finding(
                        rule=conflict_rule.id, severity=conflict_rule.severity,
                        message=(
                            f"labelled {cls} but {summary}; check whether this article reports the "
                            "event's own AI system and harm, or belongs to another event"
                        ),
                    )
            elif cls == UNRELATED and severity and unrelated_rule.id not in config.disabled:
                finding = Finding(
                    rule=unrelated_rule.id, severity=unrelated_rule.severity,
                    message=(
                        f"labelled Unrelated but {summary}; check whether the article belongs to this "
                        "event, or whether its label is wrong"
                    ),
                )
            if finding is not None:
                report.findings.setdefault(record_id, []).append(finding)
        report.events[event_id] = EventLabel(
            event_id=event_id, label=label, severity=severity, counts=counts,
            record_ids=tuple(r for r, _ in items), conflict=conflict,
        )
    return report
