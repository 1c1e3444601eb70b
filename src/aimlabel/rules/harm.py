"""Classification against the harm fields: each class says something about harm.

An AI Incident is harm that happened with an AI system contributing; an AI Hazard is harm that
could plausibly happen and has not; Complementary Information is a response, update or context;
Unrelated carries no harm. A label whose harm fields contradict its class is the commonest
mistake in AIM's own published labels.
"""

from __future__ import annotations

from collections.abc import Iterator

from aimlabel.rules import cues
from aimlabel.rules.base import COMPLEMENTARY, HAZARD, INCIDENT, UNRELATED, RuleContext
from aimlabel.rules.language import parse
from aimlabel.rules.text import list_field, present


def incident_needs_harm(ctx: RuleContext) -> Iterator[str]:
    if ctx.classification != INCIDENT:
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
    if ctx.classification != HAZARD:
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
    if ctx.classification != COMPLEMENTARY:
        return
    said = parse(" ".join([ctx.rationale, *list_field(ctx.label, "evidence")]))
    if cues.complementary_context(said) or cues.mentions_ai(said):
        return
    concluded = ctx.conclusion
    if concluded.cls not in (None, COMPLEMENTARY) and concluded.strength == "strong":
        return  # the rationale concludes another class: rationale.conclusion says so
    yield (
        "labelled Complementary Information but neither rationale nor evidence names AI or a response, "
        "update or context (a law, regulator, court, investigation, policy, follow-up); check that the "
        "article responds to an AI incident or hazard, otherwise label it Unrelated"
    )


def unrelated_has_no_harm(ctx: RuleContext) -> Iterator[str]:
    if ctx.classification != UNRELATED:
        return
    harm_types = list_field(ctx.label, "harm_types")
    if harm_types:
        yield (
            f"labelled Unrelated but harm_types is {harm_types}; an Unrelated article carries no harm "
            "types: clear them, or check whether the article reports an AI harm or risk"
        )
