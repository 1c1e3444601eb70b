"""The rationale against its own label (rationale.* rules)."""

from __future__ import annotations

import pytest

from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.rules import check_label
from aimlabel.rules.conclusion import conclude

CLASSES = default_taxonomy().classes

BANK_INCIDENT = {
    "ai_system": "A bank's AI fraud detection system and a voice-cloning tool used by a caller",
    "realised_harm": "A caller impersonated a client's chief executive with a cloned voice.",
    "plausible_harm": None,
    "evidence": ["the transfer was blocked before any money left the account"],
    "classification": "AI Incident",
    "severity": "AI incident",
    "harm_types": ["Economic/Property"],
}


def rules(label: dict) -> list[str]:
    return [f.rule for f in check_label(label, None) if f.rule.startswith("rationale.")]


@pytest.mark.parametrize(
    ("rationale", "expected"),
    [
        ("Fraudsters used a deepfake CFO to steal US$25.6 million, so this is an AI Incident.", "AI Incident"),
        ("No harm has occurred yet. It is therefore an AI Hazard rather than an AI Incident.", "AI Hazard"),
        ("The article is not an AI Incident; it reports a new law, so it is Complementary Information.", "Complementary Information"),
        ("This is classified as an ai hazard. The company said more tests are planned.", "AI Hazard"),
        ("The bakery won a prize.", None),
    ],
)
def test_concluding_class(rationale: str, expected: str | None) -> None:
    assert conclude(rationale).cls == expected


def test_conclusion_matching_the_label_passes() -> None:
    label = {**BANK_INCIDENT, "classification": "AI Hazard", "severity": "AI hazard", "realised_harm": None,
             "plausible_harm": "Fraudulent transfers by callers using cloned voices.",
             "rationale": "A bank's AI system stopped a cloned-voice call before money moved. The harm was averted, so this is an AI Hazard."}
    assert rules(label) == []


def test_conclusion_disagreeing_with_the_label_is_an_error() -> None:
    label = {**BANK_INCIDENT, "rationale": "A caller used a cloned voice to request an urgent $1.2 million transfer, so this is an AI Hazard."}
    findings = [f for f in check_label(label, None) if f.rule == "rationale.conclusion"]
    assert [f.message for f in findings] == [
        "the rationale concludes AI Hazard (\"so this is an AI Hazard\") but classification is AI Incident; "
        "check which class the reasoning supports and make the two agree"
    ]


def test_incident_whose_rationale_says_no_harm_is_an_error() -> None:
    label = {**BANK_INCIDENT, "rationale": "A caller used a cloned voice of a chief executive. No harm has occurred, but the tool could be misused, so this is an AI Incident."}
    assert rules(label) == ["rationale.no-harm"]


def test_incident_whose_rationale_reports_harm_passes_no_harm_rule() -> None:
    label = {**BANK_INCIDENT, "rationale": "Fraudsters used a cloned voice and the company lost $1.2 million, so this is an AI Incident."}
    assert rules(label) == []


def test_incident_whose_rationale_says_harm_was_prevented_is_an_error() -> None:
    label = {**BANK_INCIDENT, "rationale": "The bank's AI system thwarted the fraud attempt by a caller using a cloned voice, so this is an AI Incident."}
    findings = [f for f in check_label(label, None) if f.rule == "rationale.prevented"]
    assert len(findings) == 1
    assert '("thwarted the fraud attempt")' in findings[0].message
    assert findings[0].severity == "error"


def test_prevented_wording_on_a_hazard_passes() -> None:
    label = {**BANK_INCIDENT, "classification": "AI Hazard", "severity": "AI hazard", "realised_harm": None,
             "plausible_harm": "Fraudulent transfers.", "rationale": "The transfer was prevented by the bank's AI system, so this is an AI Hazard."}
    assert rules(label) == []


def test_incident_whose_rationale_describes_a_closed_investigation_is_a_warning() -> None:
    label = {**BANK_INCIDENT, "rationale": "The data protection authority closed its investigation into a city chatbot that stored transcripts without a legal basis, so this is an AI Incident."}
    findings = [f for f in check_label(label, None) if f.rule.startswith("rationale.")]
    assert [(f.rule, f.severity) for f in findings] == [("rationale.response", "warning")]
    assert '"closed its investigation"' in findings[0].message


def test_incident_whose_rationale_describes_a_new_law_is_a_warning() -> None:
    label = {**BANK_INCIDENT, "rationale": "Lawmakers passed a law requiring labels on AI-generated political ads after deepfake robocalls, so this is an AI Incident."}
    assert rules(label) == ["rationale.response"]
