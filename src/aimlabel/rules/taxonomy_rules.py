"""Taxonomy coherence: values from the vocabulary, a severity that fits the class, physical
harm types backed by the text, and lists that are not padded.

Vocabularies are read from the taxonomy data, never spelled out here, so a new value in
`schemas/taxonomy.json` is accepted without a code change.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aimlabel.rules.base import INCIDENT, Flag, RuleContext
from aimlabel.rules.language import parse
from aimlabel.rules.patterns import phrase
from aimlabel.rules.text import list_field, present, text_field

_DEATH = phrase(
    "{DEATH}",
    DEATH="died|dies|die|dying|dead|death|deaths|deadly|killed|kill|kills|killing|killings|fatal|fatally|fatality|"
    "fatalities|lethal|suicide|suicides|lives lost|life lost|drowned|murder|murdered|murders|homicide|homicides|"
    "manslaughter|passed away|perished|casualties|took his own life|took her own life|took their own lives|"
    "ended his life|ended her life|ended their lives|death toll|body|bodies|"
    "muere|murió|muerte|muertes|muerto|muertos|muerta|fallece|falleció|fallecido|fallecidos|fallecida|mató|matan|"
    "asesinato|asesinado|asesinada|mort|morts|morte|mortos|morreu|morre|décès|décédé|tué|tués|tuée|suicidio|"
    "suicídio|tot|tote|toten|getötet|stirbt|starb|tödlich|morto|morti|muore|ucciso|uccisi|mortale",
)
_INJURY = phrase(
    "{INJURY}",
    INJURY="injured|injury|injuries|injuring|injure|hurt|wounded|wound|wounds|hospitalized|hospitalised|"
    "hospitalization|hospitalisation|maimed|burns|burned|fracture|fractures|fractured|broken bones|bruised|bruises|"
    "concussion|concussions|bodily harm|physical harm|physically harmed|self - harm|self - harming|self - harmed|suicidal|"
    "treated in hospital|taken to hospital|hospital treatment|brain damage|nerve damage|organ damage|paralysed|paralyzed|"
    "blinded|disabled|amputated|amputation|broke (?:his|her|their|a) (?:\\S+ )?(?:hip|leg|legs|arm|arms|wrist|ribs|neck|back|bones?|skull|jaw|nose|ankle)|"
    "broken (?:hip|leg|legs|arm|arms|wrist|ribs|neck|back|bones?|skull|jaw|nose|ankle)|"
    "overdose|overdosed|poisoned|poisoning|casualties|shooting|shootings|shot|stabbed|stabbing|run over|struck by|"
    "harm to (?:\\S+ )?health|harms? to (?:\\S+ )?(?:physical |mental )?health|health harms?|health risks?|"
    "misdiagnosis|misdiagnoses|misdiagnosed|missed diagnoses|missed cancers?|delayed diagnosis|delayed treatment|"
    "delay treatment|delay diagnosis|patient safety|endanger(?:s|ed|ing)? (?:patients|lives|people)|"
    "(?:put|puts|putting) lives at risk|lives at risk|life - threatening|"
    "mental health crisis|herido|heridos|herida|heridas|lesionado|lesionados|lesiones|blessé|blessés|blessée|"
    "blessures|verletzt|verletzte|verletzten|ferito|feriti|ferido|feridos|hospitalizado|hospitalisé",
)
# For an AI Hazard, the plausible physical harm may be named by what would cause it.
_DANGER = phrase(
    "{DANGER}",
    DANGER="crash|crashes|collision|collisions|collide|accident|accidents|fire|fires|explosion|explosions|flood|"
    "flooding|weapon|weapons|knife|knives|gun|guns|firearm|firearms|drown|drowning|overdose|poison|dangerous|danger|"
    "dangers|unsafe|safety|physical harm|physical|bodily|vulnerable people|elderly|patients|infant|infants|"
    "children's safety|hit|struck|run over|fall|falls|suffocat(?:e|ion)|choking|electrocut(?:e|ion)|"
    "lethal|violence|violent|attack|attacks|bomb|bombs|explosive|explosives|pills|medication|dosage|surgery|"
    "toxin|toxins|toxic|bioweapon|bioweapons|biological|pathogen|pathogens|chemical weapons|nuclear|radiation|"
    "treatment|diagnosis|emergency|ambulance|hospital|hospitals|life support|pedestrian|pedestrians|vehicles|"
    "cars|trucks|lorries|drones|robots",
)
_ANIMALS = frozenset(
    "cat cats dog dogs pet pets animal animals cow cows cattle horse horses sheep bird birds deer whale whales fish "
    "livestock pig pigs chicken chickens goat goats wildlife kitten puppy puppies mouse mice rat rats bee bees "
    "fox foxes wolf wolves bear bears elephant elephants gato perro chat chien hund katze".split()
)
_PEOPLE = frozenset(
    "man woman men women child children boy girl person people pedestrian pedestrians driver drivers passenger "
    "passengers patient patients worker workers resident residents teenager teenagers student students she he "
    "her his victim victims cyclist cyclists owner teacher user users".split()
)
# "a fabricated story that he had killed his sons": a death that is only someone's false claim.
_FALSE_CLAIMS = frozenset(
    "fabricated false falsely claimed claiming claims accused accusing alleging alleged story hoax rumour rumor "
    "fake invented misinformation disinformation defamatory".split()
)
_RISK_COMPOUNDS = frozenset(
    "crisis prevention hotline helpline helplines alert alerts risk risks watch awareness ideation warning warnings "
    "screening detection threat threats concerns fears rate rates".split()
)
PRINCIPLES_FIELD = "ai_principles"


def _suggest(value: str, allowed: tuple[str, ...]) -> str:
    """A likely intended value: same letters in another case, a prefix, or a close spelling."""
    folded = value.casefold()
    close = (
        [v for v in allowed if v.casefold() == folded]
        or [v for v in allowed if folded.startswith(v.casefold()) or v.casefold().startswith(folded)]
        or difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
    )
    return f" (did you mean {close[0]!r}?)" if close else ""


def _bad_values(key: str, value: Any, allowed: tuple[str, ...], multi: bool, strict: bool) -> Iterator[str | Flag]:
    if multi:
        if value is None:
            return
        if not isinstance(value, list):
            yield f"{key} must be a list of values, not {type(value).__name__}; check the label's format"
            return
        items = value
    else:
        if value is None or (isinstance(value, str) and not present(value)):
            return
        if isinstance(value, list):
            yield f"{key} takes one value, not a list; keep the single best value"
            return
        items = [value]
    for item in items:
        if item in allowed:
            continue
        hint = _suggest(str(item), allowed)
        message = f"{key} value {item!r} is not in the AIM vocabulary{hint}; use one of the values in schemas/taxonomy.json"
        if strict:
            yield message
        elif hint and difflib.get_close_matches(str(item).casefold(), [v.casefold() for v in allowed], n=1, cutoff=0.8):
            # A person's label: a near miss is probably a typo; anything else may be a value AIM
            # uses that aimlabel's vocabulary lacks, which the check reports apart, not as a finding.
            yield Flag(message, str(item), "warning")


def values_in_vocabulary(ctx: RuleContext) -> Iterator[str | Flag]:
    classification = ctx.label.get("classification")
    if present(classification) and classification not in ctx.taxonomy.classes:
        message = (
            f"classification {classification!r} is not an AIM class{_suggest(str(classification), ctx.taxonomy.classes)}; "
            "use one of " + ", ".join(ctx.taxonomy.classes)
        )
        yield message if ctx.strict_vocabulary else Flag(message, str(classification), "warning")
    for field in ctx.taxonomy.fields:
        if field.key in ctx.label:
            yield from _bad_values(field.key, ctx.label[field.key], field.values, field.multi, ctx.strict_vocabulary)


def severity_matches_class(ctx: RuleContext) -> Iterator[str]:
    classification = ctx.classification
    if ctx.classification_source == "severity" or classification not in ctx.taxonomy.severity_for_class:
        return
    expected = ctx.taxonomy.severity_for_class[classification]
    value = ctx.label.get("severity")
    actual = value if present(value) else None
    if actual != expected:
        shown = "null" if expected is None else repr(expected)
        yield (
            f"severity is {'null' if actual is None else repr(actual)} but {classification} takes "
            f"severity {shown}; check the classification, then set severity to {shown}"
        )


def _physical_values(ctx: RuleContext, word: str) -> set[str]:
    try:
        values = ctx.taxonomy.field("harm_types").values
    except KeyError:
        return set()
    return {v for v in values if word in v.casefold()}


@dataclass(frozen=True)
class _Mentions:
    realised: str | None = None
    hedged: str | None = None
    animal: str | None = None

    @property
    def any_human(self) -> str | None:
        return self.realised or self.hedged


def _mentions(pattern: re.Pattern[str], texts: list[str], *, human_is_enough: bool = False) -> _Mentions:
    """Where `pattern` occurs, not negated: as something that happened to people, only as a risk,
    or only to an animal (the first of each, in the order of `texts`).

    Read up to the first realised mention (or, with `human_is_enough`, the first about people,
    realised or hedged): past it, what the rule decides no longer depends on the rest, so the
    other two may then be partial."""
    hedged = animal = None
    for raw in texts:
        text = parse(raw)
        for hit in text.find(pattern):
            if hit.negated:
                continue
            sentence = text.sentences[hit.sentence]
            following = sentence.words[hit.last + 1 : hit.last + 3]
            only_claimed = bool(set(sentence.before(hit.first)) & _FALSE_CLAIMS)
            as_risk = hit.hedged or bool(set(following) & _RISK_COMPOUNDS)
            if _about_an_animal(sentence.words, hit.first):
                animal = animal or hit.text
            elif only_claimed or as_risk:
                hedged = hedged or hit.text
                if human_is_enough:
                    return _Mentions(None, hedged, animal)
            else:
                return _Mentions(hit.text, hedged, animal)
    return _Mentions(None, hedged, animal)


def _about_an_animal(words: list[str], at: int) -> bool:
    """The nearest living being named around the word is an animal ("the cat died"; "killed
    KitKat, a well-known cat"), not a person ("she broke her wrist walking her dog")."""
    def distance(kinds: frozenset[str]) -> int:
        return min((abs(i - at) for i, w in enumerate(words) if w in kinds), default=len(words) + 1)

    return distance(_ANIMALS) < min(distance(_PEOPLE), len(words) + 1)


def _texts(ctx: RuleContext) -> list[str]:
    return [
        *list_field(ctx.label, "evidence"), ctx.rationale, text_field(ctx.label, "realised_harm"),
        text_field(ctx.label, "plausible_harm"), ctx.text or "", *ctx.context, *ctx.peers,
    ]


def physical_harm_backed(ctx: RuleContext) -> Iterator[Flag]:
    harm_types = set(list_field(ctx.label, "harm_types"))
    wanted = sorted(harm_types & _physical_values(ctx, "death")), sorted(harm_types & _physical_values(ctx, "injur"))
    if not wanted[0] and not wanted[1]:
        return
    texts = _texts(ctx)
    incident = ctx.classification == INCIDENT
    deaths = _mentions(_DEATH, texts, human_is_enough=not incident)
    if not incident and deaths.any_human:
        return
    injuries = _mentions(_INJURY, texts, human_is_enough=not incident)
    if not incident and (injuries.any_human or _mentions(_DANGER, texts, human_is_enough=True).any_human):
        return
    for values, what, found in ((wanted[0], "a death", deaths), (wanted[1], "an injury", _either(injuries, deaths))):
        for value in values:
            yield from _judge(value, what, found, incident)


def _either(first: _Mentions, second: _Mentions) -> _Mentions:
    return _Mentions(first.realised or second.realised, first.hedged or second.hedged, first.animal or second.animal)


def _judge(value: str, what: str, found: _Mentions, incident: bool) -> Iterator[Flag]:
    if found.realised or (found.hedged and not incident):
        return
    if found.hedged:
        yield Flag(
            f"harm_types has {value!r} on an AI Incident, but the texts mention {what} only as a risk "
            f"(\"{found.hedged}\"); an incident's physical harm must have happened: check the article, or remove it",
            found.hedged, "warning",
        )
    elif found.animal:
        yield Flag(
            f"harm_types has {value!r} but the only {what.split()[-1]} mentioned is an animal's (\"{found.animal}\"); "
            "physical harm types are for harm to people: check, or remove it",
            found.animal, "warning",
        )
    else:
        yield Flag(
            f"harm_types has {value!r} but neither the rationale nor the article, its title or its event mentions "
            f"{what}; check that the article reports one (or, for a hazard, that it is the plausible harm), "
            "otherwise remove it",
            severity=None if incident else "warning",
        )


def lists_not_padded(ctx: RuleContext) -> Iterator[str]:
    for field in ctx.taxonomy.fields:
        if not field.multi:
            continue
        limit = ctx.limits.max_ai_principles if field.key == PRINCIPLES_FIELD else ctx.limits.max_list_values
        values = list_field(ctx.label, field.key)
        if len(values) > limit:
            yield (
                f"{field.key} lists {len(values)} values (more than {limit}); keep only those the "
                "article clearly engages"
            )
