"""A rationale about a different story (rationale.off-topic)."""

from __future__ import annotations

from pathlib import Path

from aimlabel.rules import RuleConfig, check_label, run_item_rules
from conftest import check_article

DATA = Path(__file__).parent / "data" / "check"
CFO_RATIONALE = (
    "Fraudsters used AI-generated deepfake video and audio of a company's CFO and staff to deceive an "
    "employee into transferring US$25.6 million, so this is an AI Incident."
)


article = check_article


def off_topic(rationale: str, article_id: str, config: RuleConfig | None = None) -> list[str]:
    label = {"rationale": rationale}
    return [f.message for f in check_label(label, article(article_id), config=config) if f.rule == "rationale.off-topic"]


def test_rationale_about_the_article_passes() -> None:
    assert off_topic(CFO_RATIONALE, "deepfake-cfo") == []


def test_rationale_about_another_story_is_a_warning_listing_missing_words() -> None:
    messages = off_topic(CFO_RATIONALE, "vall-e-2-techspot")
    assert messages == [
        "only 8% of the rationale's distinctive words appear in the article (missing: fraudsters, generated, "
        "deepfake, video, audio, staff); check that the rationale describes this article and not another story"
    ]


def test_threshold_is_configurable() -> None:
    assert off_topic(CFO_RATIONALE, "vall-e-2-techspot", RuleConfig(min_rationale_overlap=0.0)) == []


def test_skipped_for_articles_in_another_language() -> None:
    spanish = article("vall-e-2-techspot").model_copy(update={"language": "es"})
    result = run_item_rules({"rationale": CFO_RATIONALE}, spanish)
    assert result.skipped["rationale.off-topic"] == "article not in English"


def test_short_rationale_is_not_judged() -> None:
    assert off_topic("A bakery won a prize, so it is Unrelated.", "deepfake-cfo") == []


def test_judged_against_the_event_relative_to_its_other_articles() -> None:
    peers = (
        "The event involves Microsoft's VALL-E 2 voice cloning model, withheld from release over impersonation risks.",
        "VALL-E 2, a text-to-speech model from Microsoft, could be misused to spoof voices, so it is an AI Hazard.",
        "Microsoft says VALL-E 2 voice cloning is too dangerous to release; scams with cloned voices are plausible.",
    )
    context = ("Microsoft's VALL-E 2 AI voice cloning raises security concerns",)
    on_topic = "Microsoft kept its VALL-E 2 voice cloning model from the public because cloned voices could enable fraud."
    result = run_item_rules({"rationale": on_topic}, None, context=context, peers=peers)
    assert "rationale.off-topic" in result.checked
    assert [f.rule for f in result.findings] == []
    findings = run_item_rules({"rationale": CFO_RATIONALE + " The Hong Kong office's employee wired the money after the call."}, None, context=context, peers=peers).findings
    assert [(f.rule, f.severity) for f in findings if f.rule == "rationale.off-topic"] == [("rationale.off-topic", "warning")]
    assert "its event's other texts" in findings[0].message
