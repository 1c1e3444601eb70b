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
        "only 8% of the rationale's content words appear in the article (missing: fraudsters, generated, "
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
