"""Classification against the harm fields: each class says something about harm.

An AI Incident is harm that happened with an AI system contributing; an AI Hazard is harm that
could plausibly happen and has not; Complementary Information is a response, update or context;
Unrelated carries no harm. A label whose harm fields contradict its class is the commonest
mistake in AIM's own published labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from aimlabel.rules.engine import COMPLEMENTARY, HAZARD, INCIDENT, UNRELATED, RuleContext
from aimlabel.rules.text import list_field, present, text_field

_RESPONSE_CUES = re.compile(
    r"\b(?:law|laws|legislat\w*|bill|act|regulat\w*|rules?|ban(?:s|ned)?|fine[sd]?|penalt\w*|"
    r"lawsuits?|sue[sd]?|court|judge|tribunal|ruling|ruled|verdict|settle\w*|investigat\w*|inquiry|probe|"
    r"audit\w*|polic(?:y|ies)|guidelines?|guidance|standards?|framework|code of conduct|"
    r"update[sd]?|follow-?up|respon(?:se|ses|ded|ds)|react\w*|measures?|safeguards?|mitigat\w*|"
    r"recall\w*|apolog\w*|statement|announce\w*|hearing|agreement|study|survey|"
    r"research\w*|experts?|warn\w*|debate|criticis\w*|campaign\w*|awareness|context|overview|analysis)\b",
    re.IGNORECASE,
)


def _classification(ctx: RuleContext) -> str:
    return text_field(ctx.label, "classification")


def incident_needs_harm(ctx: RuleContext) -> Iterator[str]:
    if _classification(ctx) != INCIDENT:
        return
    if not present(ctx.label.get("realised_harm")):
        yield (
            "labelled AI Incident but realised_harm is empty; check that the article reports harm "
            "that has already happened, otherwise label it AI Hazard or Complementary Information"
        )
    if not present(ctx.label.get("ai_system")):
        yield (
            "labelled AI Incident but ai_system is empty; check which AI system contributed to the "
            "harm, otherwise the article is not an AI Incident"
        )


def hazard_needs_plausible_harm(ctx: RuleContext) -> Iterator[str]:
    if _classification(ctx) != HAZARD:
        return
    if present(ctx.label.get("realised_harm")):
        yield (
            "labelled AI Hazard but realised_harm is filled in; check whether the harm has happened "
            "(then AI Incident) or only could happen (then clear realised_harm)"
        )
    if not present(ctx.label.get("plausible_harm")):
        yield (
            "labelled AI Hazard but plausible_harm is empty; check which future harm the AI system "
            "could plausibly lead to, otherwise the article is not an AI Hazard"
        )


def complementary_points_to_response(ctx: RuleContext) -> Iterator[str]:
    if _classification(ctx) != COMPLEMENTARY:
        return
    said = " ".join([text_field(ctx.label, "rationale"), *list_field(ctx.label, "evidence")])
    if not _RESPONSE_CUES.search(said):
        yield (
            "labelled Complementary Information but neither rationale nor evidence names a response, "
            "update or context (a law, regulator, court, investigation, policy, follow-up); check "
            "that the article responds to an AI incident or hazard, otherwise label it Unrelated"
        )


def unrelated_has_no_harm(ctx: RuleContext) -> Iterator[str]:
    if _classification(ctx) != UNRELATED:
        return
    harm_types = list_field(ctx.label, "harm_types")
    if harm_types:
        yield (
            f"labelled Unrelated but harm_types is {harm_types}; an Unrelated article carries no harm "
            "types: clear them, or check whether the article reports an AI harm or risk"
        )
    if present(ctx.label.get("severity")):
        yield (
            f"labelled Unrelated but severity is {ctx.label.get('severity')!r}; an Unrelated article "
            "has no severity: set it to null"
        )
