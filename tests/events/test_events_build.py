"""Event records from labels: the class and its votes, exclusions, roles, the merge rule, severity."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from aimlabel.core.labels_file import LabelItem, read_labels
from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.events.build import NOT_REQUESTED, build_events
from aimlabel.events.merge import merge_field, merge_taxonomy

DATA = Path(__file__).resolve().parents[1] / "data" / "events"


def items_of(rows: list[dict[str, Any]]) -> list[LabelItem]:
    text = "".join(json.dumps(r) + "\n" for r in rows).encode()
    return [e for e in read_labels(io.BytesIO(text)) if isinstance(e, LabelItem)]  # type: ignore[arg-type]


def test_fixture_events_have_their_class_votes_exclusions_and_outliers() -> None:
    with open(DATA / "labels.jsonl", "rb") as fh:
        items = [e for e in read_labels(fh) if isinstance(e, LabelItem)]
    built = build_events(items)
    assert [d.record.event_id for d in built.drafts] == ["robotaxi", "voice"]
    robotaxi = built.drafts[0].record
    c = robotaxi.classification
    assert (c.label, c.decided_by, c.votes, c.tie) == ("AI Incident", "articles", {"AI Incident": 3, "AI Hazard": 1}, False)
    assert c.counts == {"AI Incident": 3, "AI Hazard": 1, "Complementary Information": 1}
    assert [(x.id, x.why) for x in c.excluded] == [("rt-5", "failed (timeout: no response within 60 s)")]
    assert {a.id: a.role for a in robotaxi.articles} == {
        "rt-1": "supports", "rt-2": "supports", "rt-3": "outlier", "rt-4": "follow-up", "rt-5": "excluded", "rt-6": "supports"}
    assert [(o.id, o.rule) for o in robotaxi.outliers] == [("rt-3", "event.class-conflict"), ("rt-4", "event.complementary-member")]
    assert robotaxi.severity == "AI incident"
    assert robotaxi.taxonomy.articles == ["rt-1", "rt-2", "rt-6"]  # the outlier and the follow-up are not counted
    assert robotaxi.taxonomy.fields["ai_principles"].counts == {"Accountability": 1, "Safety": 3, "Human wellbeing": 1}
    assert robotaxi.taxonomy.fields["ai_principles"].values == ["Safety"]
    assert (robotaxi.written.status, robotaxi.written.note) == ("not_requested", NOT_REQUESTED)
    assert built.without_event == []


def test_a_tie_is_decided_by_the_tie_rule_and_says_so() -> None:
    rows = [{"id": "a", "event_id": "e", "classification": "AI Hazard"}, {"id": "b", "event_id": "e", "classification": "AI Incident"}]
    record = build_events(items_of(rows)).drafts[0].record
    assert (record.classification.label, record.classification.tie) == ("AI Incident", True)
    assert "a tie goes to" in record.classification.tie_rule
    assert {a.id: a.role for a in record.articles} == {"a": "outlier", "b": "supports"}


def test_an_event_with_no_class_is_kept_with_every_article_excluded() -> None:
    rows = [{"id": "a", "event_id": "e", "label": {"ai_principles": ["Safety"]}}, {"id": "b", "event_id": "e", "rationale": "Nothing to see."}]
    [draft] = build_events(items_of(rows)).drafts
    record = draft.record
    assert record.classification.label is None and record.severity is None
    assert {x.id for x in record.classification.excluded} == {"a", "b"}
    assert all(a.role == "excluded" for a in record.articles)


def test_labels_without_event_id_are_listed_not_dropped() -> None:
    rows = [{"id": "a", "classification": "AI Hazard"}, {"id": "b", "event_id": "e", "classification": "AI Hazard"}]
    built = build_events(items_of(rows))
    assert built.without_event == ["a"] and [d.record.event_id for d in built.drafts] == ["e"]


def test_merge_keeps_values_at_the_share_and_counts_the_rest() -> None:
    labels = [{"ai_principles": ["Safety", "Fairness"]}, {"ai_principles": ["Safety"]}, {"ai_principles": []}, {"harm_types": []}]
    merged = merge_field(labels, "ai_principles", default_taxonomy().field("ai_principles").values, True, 0.5)
    assert merged is not None
    assert (merged.articles, merged.needed, merged.values, merged.counts) == (3, 2, ["Safety"], {"Safety": 2, "Fairness": 1})
    assert merge_field(labels, "industries", (), True, 0.5) is None  # no label carries the field
    at_third = merge_field(labels, "ai_principles", default_taxonomy().field("ai_principles").values, True, 1 / 3)
    assert at_third is not None and at_third.values == ["Safety", "Fairness"]


def test_a_one_value_field_keeps_its_most_frequent_value_ties_in_taxonomy_order() -> None:
    field = default_taxonomy().field("autonomy_level")
    labels = [{"autonomy_level": field.values[2]}, {"autonomy_level": field.values[1]}]
    merged = merge_field(labels, "autonomy_level", field.values, False, 0.5)
    assert merged is not None and merged.values == [field.values[1]]
    assert merge_field([{"autonomy_level": None}, {"autonomy_level": field.values[0]}, {"autonomy_level": None}],
                       "autonomy_level", field.values, False, 0.5).values == []  # type: ignore[union-attr]


def test_with_no_supporting_article_every_labelled_article_is_counted() -> None:
    merged = merge_taxonomy([("a", {"industries": ["Other"]})], set(), default_taxonomy())
    assert merged.articles == ["a"] and merged.over.startswith("every labelled article")
    assert merged.fields["industries"].values == ["Other"] and "severity" not in merged.fields
