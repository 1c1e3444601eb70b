"""Event-level scoring: where gold lines carry an `event_id`, each event's class against gold's.

Gold defines the events: articles are grouped by the gold line's `event_id`, whatever the labels
say. The gold event class is decided from the gold classes of its articles by the same vote the
event rules use (`rules.events.derive_event_label`: AI Incident and AI Hazard articles vote, the
most frequent wins, a tie goes to AI Incident; with no such votes, the most frequent other
class). The predicted event class is what the event rules decide from the labels of those same
articles (`rules.events.check_events`, the class `aimlabel events` gives the event); an event
none of whose articles has a usable label is predicted `(no label)`, so failures count against
the score as they do for articles. Scores are the article scores' (accuracy, macro-F1 with
bootstrap intervals, kappa, per class, confusion) over events.
"""

from __future__ import annotations

from collections.abc import Sequence

from aimlabel.core.record import ArticleRef, LabelRecord
from aimlabel.core.taxonomy import Taxonomy
from aimlabel.evaluation.gold import GoldItem
from aimlabel.evaluation.metrics import NO_LABEL
from aimlabel.evaluation.report import ClassificationSection, EventScore, EventSection
from aimlabel.rules.events import check_events, derive_event_label

EVENT_RULE = ("events are gold's event_id groups; gold's event class is the event rules' vote over the gold article classes, "
              "the predicted one the event rules' class from the labels of the same articles")


def _in_event(record: LabelRecord, event_id: str) -> LabelRecord:
    ref = record.article or ArticleRef(id=record.id)
    return record.model_copy(update={"article": ref.model_copy(update={"event_id": event_id})})


def score_events(pairs: Sequence[tuple[GoldItem, LabelRecord | None]], taxonomy: Taxonomy) -> list[EventScore]:
    """One row per gold event, in order of its first gold line; [] when gold carries no event_id."""
    groups: dict[str, list[tuple[GoldItem, LabelRecord | None]]] = {}
    for gold_item, record in pairs:
        if gold_item.event_id:
            groups.setdefault(gold_item.event_id, []).append((gold_item, record))
    records = [_in_event(r, event_id) for event_id, members in groups.items() for _, r in members if r is not None]
    decided = check_events(records, taxonomy=taxonomy).events
    rows = []
    for event_id, members in groups.items():
        gold = derive_event_label((g.gold.classification for g, _ in members), taxonomy) or NO_LABEL
        event = decided.get(event_id)
        rows.append(EventScore(
            event_id=event_id, articles=len(members), gold=gold, predicted=event.label if event else NO_LABEL,
            predicted_counts=dict(event.counts) if event else {}, excluded=len(event.excluded) if event else 0,
        ))
    return rows


def event_section(rows: list[EventScore], classification: ClassificationSection) -> EventSection:
    return EventSection(rule=EVENT_RULE, events=len(rows), articles=sum(r.articles for r in rows),
                        classification=classification, per_event=rows)
