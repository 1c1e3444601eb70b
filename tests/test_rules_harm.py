"""Classification against the harm fields (harm.* rules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aimlabel.core.articles import Article
from aimlabel.rules import check_label
from conftest import check_article

DATA = Path(__file__).parent / "data" / "check"


article = check_article


def rules_hit(label: dict, art: Article | None, prefix: str = "harm.") -> list[str]:
    return [f.rule for f in check_label(label, art) if f.rule.startswith(prefix)]


INCIDENT = {
    "ai_system": "Deepfake video and voice generation used to impersonate a company's CFO",
    "realised_harm": "An employee was deceived into transferring US$25.6 million to fraudsters.",
    "plausible_harm": None,
    "evidence": ["every other participant was a deepfake"],
    "rationale": "Fraudsters used deepfake video of a company's CFO to deceive an employee into transferring US$25.6 million, so this is an AI Incident.",
    "classification": "AI Incident",
    "harm_types": ["Economic/Property"],
    "severity": "AI incident",
}
HAZARD = {
    "ai_system": "VALL-E 2, Microsoft's voice cloning model",
    "realised_harm": None,
    "plausible_harm": "Voice spoofing and impersonation if the model were released.",
    "evidence": ["no plans to make the model available to the public"],
    "rationale": "Microsoft withheld its VALL-E 2 voice cloning model because it could be misused to impersonate speakers. No harm has occurred, so this is an AI Hazard.",
    "classification": "AI Hazard",
    "harm_types": ["Economic/Property"],
    "severity": "AI hazard",
}
COMPLEMENTARY = {
    "ai_system": "Generative AI used in political ads",
    "realised_harm": None,
    "plausible_harm": None,
    "evidence": ["requires political advertisements made with artificial intelligence to carry a clear disclosure"],
    "rationale": "The article reports a new state law requiring disclosure labels on AI-generated political ads, a response to earlier deepfake robocalls, so it is Complementary Information.",
    "classification": "Complementary Information",
    "harm_types": [],
    "severity": None,
}
UNRELATED = {
    "ai_system": None,
    "realised_harm": None,
    "plausible_harm": None,
    "evidence": ["took first place in the regional sourdough competition"],
    "rationale": "The article is about a bakery winning a baking prize and involves no AI system, so it is Unrelated.",
    "classification": "Unrelated",
    "harm_types": [],
    "severity": None,
}


@pytest.mark.parametrize(
    ("label", "article_id"),
    [(INCIDENT, "deepfake-cfo"), (HAZARD, "vall-e-2-techspot"), (COMPLEMENTARY, "ai-ads-law"), (UNRELATED, "bakery")],
)
def test_coherent_labels_pass(label: dict, article_id: str) -> None:
    assert check_label(label, article(article_id)) == []


def test_incident_without_realised_harm_is_an_error() -> None:
    label = {**INCIDENT, "realised_harm": None}
    findings = check_label(label, article("deepfake-cfo"))
    assert [(f.rule, f.severity) for f in findings] == [("harm.incident", "error")]
    assert findings[0].message.startswith("labelled AI Incident but realised_harm is empty; check")


def test_incident_without_ai_system_is_an_error() -> None:
    findings = check_label({**INCIDENT, "ai_system": "N/A"}, article("deepfake-cfo"))
    assert [f.rule for f in findings] == ["harm.incident"]
    assert "ai_system is empty" in findings[0].message


def test_hazard_with_realised_harm_is_an_error() -> None:
    label = {**HAZARD, "realised_harm": "Scammers already cloned voices to call families and ask for money."}
    findings = check_label(label, None)
    assert [f.rule for f in findings] == ["harm.hazard"]
    assert "realised_harm is filled in" in findings[0].message


def test_hazard_without_plausible_harm_is_an_error() -> None:
    assert rules_hit({**HAZARD, "plausible_harm": ""}, None) == ["harm.hazard"]


def test_complementary_without_a_response_is_a_warning() -> None:
    label = {
        **COMPLEMENTARY,
        "evidence": ["took first place in the regional sourdough competition"],
        "rationale": "A family-run bakery took first place in a sourdough competition, so it is Complementary Information.",
    }
    findings = check_label(label, article("bakery"))
    assert [(f.rule, f.severity) for f in findings] == [("harm.complementary", "warning")]


def test_unrelated_with_harm_types_and_severity_is_reported_once_per_problem() -> None:
    label = {**UNRELATED, "harm_types": ["Economic/Property"], "severity": "AI hazard"}
    findings = [(f.rule, f.message.split(";")[0]) for f in check_label(label, article("bakery")) if f.rule in ("harm.unrelated", "taxonomy.severity")]
    assert findings == [
        ("harm.unrelated", "labelled Unrelated but harm_types is ['Economic/Property']"),
        ("taxonomy.severity", "severity is 'AI hazard' but Unrelated takes severity null"),
    ]


def test_harm_rules_are_skipped_when_the_label_lacks_the_fields() -> None:
    assert rules_hit({"classification": "AI Incident"}, None) == []
