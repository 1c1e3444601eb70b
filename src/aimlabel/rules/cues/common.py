"""Helpers the cue readers share: which hits count, and in what sentences."""

from __future__ import annotations

import re
from collections.abc import Sequence

from aimlabel.rules.language import Hit, Text


def asserted(text: Text, patterns: Sequence[re.Pattern[str]]) -> list[Hit]:
    return distinct([hit for hit in text.find_each(patterns) if hit.asserted])


def distinct(hits: list[Hit]) -> list[Hit]:
    """Hits in reading order, a hit inside an earlier (longer) one dropped."""
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.sentence, h.first, -h.last)):
        if kept and kept[-1].sentence == hit.sentence and hit.first <= kept[-1].last:
            continue
        kept.append(hit)
    return kept


SAID_BY_OTHERS = frozenset(
    "insists insisted claims claimed says said denies denied argues argued maintains maintained contends contended "
    "asserts asserted alleges alleged stated states told".split()
)


def said_by_others(text: Text, hit: Hit) -> bool:
    """"The company insists that no customer was harmed": someone's claim, not the rationale's."""
    return bool(set(text.sentences[hit.sentence].before(hit.first)) & SAID_BY_OTHERS)


CLASS_WORDS = frozenset({"incident", "incidents", "hazard", "hazards", "disaster", "disasters"})


def class_name(text: Text, hit: Hit) -> bool:
    """"incident" in "an AI Incident" is the class, not a harm."""
    words = text.sentences[hit.sentence].words
    return hit.first > 0 and words[hit.first - 1] == "ai" and words[hit.first] in CLASS_WORDS


NEGATING_WORDS = frozenset("no not none never without nor".split())


DEFINITIONAL = frozenset("requires require required requiring means mean needs need must defined definition".split())


def conditional(text: Text, hit: Hit) -> bool:
    """A sentence that imagines ("would become an incident if ... were released and misled voters")."""
    words = set(text.sentences[hit.sentence].words)
    return bool(words & {"if", "unless"}) and bool(words & {"would", "could", "might"})


MODAL_WORDS = frozenset("could may might would if unless should".split())


OTHER_SOURCES = frozenset("other similar previous earlier past existing comparable rival older another such".split())


def hedged_by_modal(text: Text, hit: Hit) -> bool:
    before = text.sentences[hit.sentence].before(hit.first, 4)
    return any(w in ("could", "would", "might", "may", "can", "if") for w in before)
