"""The rationale against its own label: what it concludes, and what it says about harm.

AIM's published labels include incidents whose rationale says no harm occurred, harm an AI
system *prevented* labelled as an incident, a new law labelled as an incident rather than
Complementary Information, and hazards that are really product news. Each rule reads the parsed
rationale (`cues.py`), so negated and hypothetical wording ("no indication that harm
occurred", "could plausibly lead to harm") is never taken for an assertion.

Severity follows certainty: a rule reports an error only when the rationale says the thing
outright and says nothing that points the other way; otherwise a warning.
"""

from __future__ import annotations

from collections.abc import Iterator

from aimlabel.rules import cues
from aimlabel.rules.base import HAZARD, INCIDENT, Flag, RuleContext, Severity
from aimlabel.rules.conclusion import BENEFICIAL, CLASSES, GENERAL_NEWS
from aimlabel.rules.language import parse
from aimlabel.rules.text import snippet


def _quote(text: str) -> str:
    return f"\"{snippet(text.strip(' ,;:'), 90)}\""


def conclusion_matches(ctx: RuleContext) -> Iterator[Flag]:
    if ctx.classification_source != "label" or ctx.is_event:
        return
    label = ctx.classification
    concluded = ctx.conclusion
    if concluded.cls is None or concluded.cls == label:
        return
    trigger = concluded.trigger.strip(" ,;:")
    if concluded.cls in (GENERAL_NEWS, BENEFICIAL):
        if label in (INCIDENT, HAZARD):
            kind = "a general news update" if concluded.cls == GENERAL_NEWS else "a beneficial use of AI"
            yield Flag(
                f"labelled {label} but the rationale calls the article {kind} ({_quote(trigger)}); check "
                "whether it reports harm or a credible risk: otherwise label it Complementary Information or Unrelated",
                trigger, "warning",
            )
        return
    if concluded.cls not in CLASSES:
        return
    both = label in concluded.asserted
    severity: Severity | None = "warning" if both or concluded.strength != "strong" else None
    also = f", though it also calls it {label}" if both else ""
    yield Flag(
        f"the rationale concludes {concluded.cls} ({_quote(trigger)}){also} but classification is "
        f"{label or 'empty'}; check which class the reasoning supports and make the two agree",
        trigger, severity,
    )


def _realised(ctx: RuleContext) -> list[str]:
    return [h.text for h in cues.realised_harm(ctx.parsed)]


def no_harm_on_incident(ctx: RuleContext) -> Iterator[Flag]:
    if ctx.classification != INCIDENT or not ctx.rationale:
        return
    statements = cues.no_harm_statements(ctx.parsed)
    general = [s for s in statements if not s.qualified]
    realised = _realised(ctx)
    if not general:
        if statements and not realised and not cues.names_harm_beyond(ctx.parsed, statements):
            said = statements[0].text
            yield Flag(
                f"labelled AI Incident but the rationale says this harm did not happen ({_quote(said)}) and names "
                "no harm that did; check whether any harm has happened: if not, label it AI Hazard or "
                "Complementary Information",
                said, "warning",
            )
        return
    said = general[0].text
    if realised:
        yield Flag(
            f"labelled AI Incident but the rationale says no harm occurred ({_quote(said)}) while also "
            f"describing harm ({_quote(realised[0])}); check which is true and make the rationale say it",
            said, "warning",
        )
        return
    yield Flag(
        f"labelled AI Incident but the rationale says no harm occurred ({_quote(said)}); check whether harm "
        "has happened: if not, label it AI Hazard or Complementary Information",
        said,
    )


def causation_on_incident(ctx: RuleContext) -> Iterator[Flag]:
    if ctx.classification != INCIDENT or not ctx.rationale:
        return
    doubts = cues.causation_doubts(ctx.parsed)
    if doubts:
        said = doubts[0].text
        yield Flag(
            f"labelled AI Incident but the rationale doubts that an AI system caused or contributed to the "
            f"harm ({_quote(said)}); an AI Incident needs the AI's part in the harm: check the article, or "
            "label it AI Hazard, Complementary Information or Unrelated",
            said,
        )


def prevented_on_incident(ctx: RuleContext) -> Iterator[Flag]:
    if ctx.classification != INCIDENT or not ctx.rationale:
        return
    prevented = cues.prevented_harm(ctx.parsed)
    intent = cues.protective_intent(ctx.parsed)
    if not prevented and not intent:
        return
    if _realised(ctx):
        return
    said = (prevented or intent)[0].text
    yield Flag(
        f"labelled AI Incident but the rationale says harm was prevented or mitigated ({_quote(said)}) and "
        "names no harm that happened; harm an AI system prevented is an AI Hazard (or a beneficial use): "
        "check whether any harm happened",
        said, None if prevented else "warning",
    )


def response_on_incident(ctx: RuleContext) -> Iterator[Flag]:
    if ctx.classification != INCIDENT or not ctx.rationale:
        return
    strong, weak = cues.response_statements(ctx.parsed)
    if not strong and (not weak or _realised(ctx)):
        return
    said = (strong or weak)[0].text
    yield Flag(
        f"labelled AI Incident but the rationale describes a response ({_quote(said)}); a law, regulation, "
        "court step or investigation is Complementary Information unless the article also reports new harm: "
        "check which it is",
        said,
    )


def no_ai_on_incident_or_hazard(ctx: RuleContext) -> Iterator[Flag]:
    if ctx.classification not in (INCIDENT, HAZARD) or not ctx.rationale:
        return
    found = cues.no_ai_statements(ctx.parsed)
    if found and not cues.ai_used_elsewhere(ctx.parsed, found[0].sentence):
        said = found[0].text
        yield Flag(
            f"labelled {ctx.classification} but the rationale says no AI system is involved ({_quote(said)}); "
            "an AI Incident or AI Hazard needs an AI system: check the article, or label it Unrelated",
            said,
        )


def hazard_names_a_risk(ctx: RuleContext) -> Iterator[Flag]:
    if ctx.classification != HAZARD or not ctx.rationale:
        return
    text = ctx.parsed
    named = parse(" ".join([ctx.rationale, *(str(ctx.label.get(k) or "") for k in ("plausible_harm",))]))
    launch = cues.launch_statements(text)
    if launch and not cues.specific_risk(named):
        said = launch[0].text
        yield Flag(
            f"labelled AI Hazard but the rationale calls the article {_quote(said)}; a launch, pilot or "
            "investment is a hazard only with a credible, specific risk of harm: check, or label it "
            "Complementary Information or Unrelated",
            said,
        )
        return
    no_risk = cues.no_risk_statements(text)
    if no_risk and not cues.specific_risk(named):
        said = no_risk[0].text
        yield Flag(
            f"labelled AI Hazard but the rationale says there is no specific risk ({_quote(said)}); an AI Hazard "
            "needs a harm that could plausibly follow: name it, or label it Complementary Information or Unrelated",
            said,
        )
        return
    generic = cues.generic_risks(text)
    if generic and not cues.specific_risk(named) and not _plausible_harm_named(ctx):
        said = generic[0].text
        yield Flag(
            f"labelled AI Hazard but the rationale names only a generic risk ({_quote(said)}); an AI Hazard needs "
            "a specific harm that could plausibly follow: name it, or label it Complementary Information or Unrelated",
            said,
        )


def _plausible_harm_named(ctx: RuleContext) -> bool:
    """A model's label names its plausible harm in its own field."""
    value = ctx.label.get("plausible_harm")
    return isinstance(value, str) and len(value.split()) >= 3


def harm_on_hazard(ctx: RuleContext) -> Iterator[Flag]:
    if ctx.classification != HAZARD or not ctx.rationale:
        return
    text = ctx.parsed
    if cues.no_harm_statements(text):
        return  # "nobody was hurt", "no child was harmed": the rationale says harm did not happen
    happened = cues.harm_happened(text)
    if happened:
        said = happened[0].text
        yield Flag(
            f"labelled AI Hazard but the rationale says harm has already happened ({_quote(said)}); harm that "
            "happened with an AI system's part is an AI Incident: check whose harm it is",
            said,
        )

