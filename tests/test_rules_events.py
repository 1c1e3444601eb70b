"""Event consistency and the derived event label (event.* rules)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aimlabel.core.record import ArticleRef, LabelRecord
from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.rules import RuleConfig, check_events, derive_event_label

DATA = Path(__file__).parent / "data" / "check"


def record(record_id: str, cls: str, event_id: str | None = "ev", status: str = "ok") -> LabelRecord:
    return LabelRecord(
        id=record_id, status=status, label={"classification": cls},  # type: ignore[arg-type]
        article=ArticleRef(id=record_id, event_id=event_id),
    )


def vall_e_2() -> list[LabelRecord]:
    """AIM's published labels for the 17 articles of the VALL-E 2 event."""
    records = []
    for line in (DATA / "vall-e-2_labels.jsonl").read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        records.append(record(raw["id"], raw["classification"], raw["event_id"]))
    return records


def test_vall_e_2_minority_incident_is_flagged_and_event_is_a_hazard() -> None:
    report = check_events(vall_e_2())
    event = report.events["vall-e-2"]
    assert (event.label, event.severity, event.counts, event.conflict) == ("AI Hazard", "AI hazard", {"AI Incident": 1, "AI Hazard": 16}, True)
    assert list(report.findings) == ["vall-e-2-04"]
    [finding] = report.findings["vall-e-2-04"]
    assert (finding.rule, finding.severity) == ("event.class-conflict", "warning")
    assert finding.message == (
        "labelled AI Incident but event vall-e-2 is AI Hazard (AI Incident 1, AI Hazard 16 of 17 "
        "article(s)); check whether this article reports the event's own AI system and harm, or belongs "
        "to another event"
    )


def test_consistent_event_has_no_findings() -> None:
    report = check_events([record("a", "AI Incident"), record("b", "AI Incident")])
    assert report.findings == {}
    assert report.events["ev"].label == "AI Incident"
    assert report.events["ev"].conflict is False


def test_complementary_article_in_an_incident_event_is_not_counted_silently() -> None:
    report = check_events([record("a", "AI Incident"), record("b", "AI Incident"), record("c", "Complementary Information")])
    assert list(report.findings) == ["c"]
    [finding] = report.findings["c"]
    assert (finding.rule, finding.severity) == ("event.complementary-member", "warning")
    assert report.events["ev"].label == "AI Incident"


def test_articles_without_a_class_take_the_one_their_rationale_concludes() -> None:
    records = [
        LabelRecord(id=i, status="ok", label={"rationale": r}, article=ArticleRef(id=i, event_id="ev"))
        for i, r in [
            ("a", "No harm has occurred, but the model could plausibly enable fraud; this qualifies as an AI Hazard."),
            ("b", "The tool could be misused for scams, fitting the definition of an AI Hazard rather than an AI Incident."),
            ("c", "Scammers used the cloned voice to steal savings, so it qualifies as an AI Incident."),
            ("d", "The article is a profile of the company's founder."),
        ]
    ]
    report = check_events(records)
    event = report.events["ev"]
    assert (event.label, event.counts) == ("AI Hazard", {"AI Incident": 1, "AI Hazard": 2})
    assert event.excluded == {"d": "states no class (none in the label, none concluded by its rationale)"}
    assert [f.rule for f in report.findings["c"]] == ["event.class-conflict"]


@pytest.mark.parametrize(
    ("classes", "expected"),
    [
        (["AI Hazard", "AI Incident"], "AI Incident"),  # tie: taxonomy order
        (["AI Hazard", "AI Hazard", "AI Incident"], "AI Hazard"),
        (["Complementary Information"] * 3 + ["AI Hazard"], "AI Hazard"),  # CI does not vote
        (["Complementary Information", "Unrelated"], "Complementary Information"),
        (["Unrelated", "Unrelated", "Complementary Information"], "Unrelated"),
        ([], None),
    ],
)
def test_derivation_rule(classes: list[str], expected: str | None) -> None:
    assert derive_event_label(classes, default_taxonomy()) == expected


def test_unrelated_article_in_an_incident_event_is_flagged() -> None:
    report = check_events([record("a", "AI Incident"), record("b", "Unrelated")])
    assert [f.rule for f in report.findings["b"]] == ["event.unrelated-member"]


def test_records_without_event_failed_or_unknown_class_do_not_vote() -> None:
    records = [
        record("a", "AI Hazard"),
        record("b", "AI Incident", status="failed"),
        record("c", "AI Incident", event_id=None),
        record("d", "Incident"),
    ]
    report = check_events(records)
    assert report.findings == {}
    assert report.events["ev"].record_ids == ("a",)


def test_disabled_event_rule_reports_nothing() -> None:
    report = check_events(vall_e_2(), config=RuleConfig(disabled=frozenset({"event.class-conflict"})))
    assert report.findings == {}
    assert report.events["vall-e-2"].conflict is True
