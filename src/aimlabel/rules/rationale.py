"""The rationale against its own label: it must conclude with the same class, and must not
argue against it.

AIM's published labels include incidents whose rationale says no harm occurred, harm an AI
system *prevented* labelled as an incident, and a new law or a closed investigation labelled as
an incident rather than Complementary Information. These are cheap to spot in the wording.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from aimlabel.rules.engine import INCIDENT, RuleContext
from aimlabel.rules.text import first_match, sentences, snippet, text_field

_NEGATED_CLASS = re.compile(r"(?:\bnot\b|\bnor\b|\brather than|\binstead of|\bno longer|\bneither)\W+(?:\w+\W+){0,2}$", re.IGNORECASE)

_NO_HARM = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\bno (?:actual |real |realised |realized |direct |concrete |reported |tangible )?harm\b",
        r"\b(?:has|have|had) not (?:yet |actually )?(?:caused|resulted in|led to|occurred|happened|materiali[sz]ed)\b",
        r"\b(?:has|have|had)n't (?:yet )?(?:caused|resulted in|led to|occurred|happened)\b",
        r"\b(?:did|does|do)(?: not|n't) (?:actually )?(?:cause|result in|lead to)\b[^.;]{0,25}\bharm",
        r"\bno(?:body| one) (?:was|were|has been) (?:harmed|affected)\b",
        r"\bwithout (?:causing |any )?(?:actual |real )?harm\b",
        r"\bno (?:incidents?|damage|losses|victims) (?:(?:has|have|had) )?(?:been )?(?:occurred|reported|recorded|happened)\b",
        r"\bharm (?:has|had) not (?:yet )?(?:occurred|happened|materiali[sz]ed)\b",
    )
]
_PREVENTED = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b(?:was|were|been|being|got) (?:successfully |narrowly |ultimately )?(?:prevented|averted|thwarted|foiled|avoided)\b",
        r"\b(?:prevented|averted|thwarted|foiled|stopped|blocked|intercepted)\b (?:a |an |the |any |potential |possible )*(?:harm|attack|fraud|scam|theft|breach|incident|accident|crash|collision|disaster|attempt|loss|damage)s?(?: attempts?)?\b",
        r"\bnear[- ]miss(?:es)?\b",
        r"\bbefore any (?:harm|damage|loss)\b",
    )
]
_RESPONSE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b(?:passed|approved|adopted|enacted|signed|introduced|proposed|unveiled)\b (?:a |an |the |its |new |draft )*(?:\w+ ){0,2}(?:law|bill|regulation|act|ordinance|legislation|directive|guidelines|rules)\b",
        r"\b(?:new|proposed|draft) (?:\w+ ){0,2}(?:law|bill|regulation|legislation|guidelines|rules)\b",
        r"\binvestigation (?:(?:was|has been|had been) )?(?:closed|concluded|dropped|ended|completed)\b",
        r"\b(?:closed|concluded|dropped|ended|completed) (?:its |the |an |their )(?:\w+ )?(?:investigation|probe|inquiry)\b",
        r"\b(?:case|lawsuit|complaint|charges) (?:(?:was|were|has been|have been) )?(?:dismissed|dropped|withdrawn|settled)\b",
    )
]


def concluding_class(rationale: str, classes: tuple[str, ...]) -> str | None:
    """The class named last in the last sentence that names one, skipping negated mentions
    ("an AI Hazard rather than an AI Incident" concludes AI Hazard)."""
    pattern = re.compile("|".join(re.escape(c) for c in sorted(classes, key=len, reverse=True)), re.IGNORECASE)
    by_lower = {c.casefold(): c for c in classes}
    for sentence in reversed(sentences(rationale)):
        named = [
            by_lower[m.group(0).casefold()]
            for m in pattern.finditer(sentence)
            if not _NEGATED_CLASS.search(sentence[: m.start()])
        ]
        if named:
            return named[-1]
    return None


def conclusion_matches(ctx: RuleContext) -> Iterator[str]:
    classification = text_field(ctx.label, "classification")
    concluded = concluding_class(text_field(ctx.label, "rationale"), ctx.taxonomy.classes)
    if concluded is not None and concluded != classification:
        yield (
            f"the rationale concludes {concluded} but classification is {classification or 'empty'}; "
            "check which class the reasoning supports and make the two agree"
        )


def _incident_rationale(ctx: RuleContext) -> str | None:
    if text_field(ctx.label, "classification") != INCIDENT:
        return None
    return text_field(ctx.label, "rationale") or None


def no_harm_on_incident(ctx: RuleContext) -> Iterator[str]:
    rationale = _incident_rationale(ctx)
    if rationale and (match := first_match(_NO_HARM, rationale)):
        yield (
            f"labelled AI Incident but the rationale says no harm occurred (\"{snippet(match.group(0))}\"); "
            "check whether harm has happened: if not, label it AI Hazard or Complementary Information"
        )


def prevented_on_incident(ctx: RuleContext) -> Iterator[str]:
    rationale = _incident_rationale(ctx)
    if rationale and (match := first_match(_PREVENTED, rationale)):
        yield (
            f"labelled AI Incident but the rationale says harm was prevented (\"{snippet(match.group(0))}\"); "
            "harm that was prevented or narrowly avoided is an AI Hazard: check whether any harm happened"
        )


def response_on_incident(ctx: RuleContext) -> Iterator[str]:
    rationale = _incident_rationale(ctx)
    if rationale and (match := first_match(_RESPONSE, rationale)):
        yield (
            f"labelled AI Incident but the rationale describes a response (\"{snippet(match.group(0))}\"); "
            "a law, regulation or closed investigation is Complementary Information unless the article "
            "also reports new harm: check which it is"
        )
