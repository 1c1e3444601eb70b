"""Self-consistency: K answers to one request, a majority class, and the vote share as confidence.

The label kept is the first answer (in answer order) that names the winning class, so the
record's rationale and taxonomy belong to an answer that voted for its class. Ties go to the
class whose first vote came first (`TIE_RULE`): a stated, deterministic rule, and one that
keeps the answer a single request would have given when the votes cannot decide. An answer
naming no class counts as a sample that voted for none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from aimlabel.core.record import Confidence
from aimlabel.model.base import TIE_RULE


class Vote(NamedTuple):
    winner: str | None
    chosen: int | None  # index of the answer kept
    confidence: Confidence


def vote(answers: Sequence[str | None], classes: Sequence[str], temperature: float, asked: int) -> Vote:
    """The majority over `answers` (each the class an answer names, or None), with its share."""
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    for i, name in enumerate(answers):
        if name is not None:
            counts[name] = counts.get(name, 0) + 1
            first.setdefault(name, i)
    n = len(answers)
    note_parts = []
    if n < asked:
        note_parts.append(f"{n} of the {asked} samples asked for came back")
    if none := sum(a is None for a in answers):
        note_parts.append(f"{none} answer(s) named no class")
    note = "; ".join(note_parts) or None
    if not counts:
        return Vote(None, None, Confidence(source="samples", samples=n, votes={}, temperature=temperature,
                                           tie_rule=TIE_RULE, note=note))
    winner = min(counts, key=lambda name: (-counts[name], first[name]))
    distribution = {name: round(counts.get(name, 0) / n, 6) for name in classes}
    return Vote(winner, first[winner], Confidence(
        source="samples", probability=distribution[winner], distribution=distribution, samples=n,
        votes={name: counts.get(name, 0) for name in classes}, temperature=temperature, tie_rule=TIE_RULE, note=note,
    ))
