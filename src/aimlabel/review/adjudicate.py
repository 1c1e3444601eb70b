"""From every reviewer's decisions on an article to the one gold label, by a stated policy.

A gold item's `reviews` list keeps every decision ever imported. Each reviewer's *current*
decision is their latest one (by the time the tool gave it, else when it was imported): a
reviewer who edits their answer supersedes their own earlier one, which is not a disagreement.
The current decisions of different reviewers are then combined by the policy:

- `unanimous` (the default): gold takes the answer only when every reviewer who gave one agrees;
- `majority`: gold takes an answer more than half of those reviewers gave;
- `adjudicator`: a named reviewer's answer wins where they gave one; elsewhere, `unanimous`.

The classification and each taxonomy field are combined separately (a field counts only the
reviewers who answered it). Whatever the policy leaves open is a disagreement: gold keeps what it
had and the disagreement is listed, never resolved silently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Policy(StrEnum):
    UNANIMOUS = "unanimous"
    MAJORITY = "majority"
    ADJUDICATOR = "adjudicator"


@dataclass(frozen=True)
class Rule:
    """A policy and, for `adjudicator`, whose answer wins."""

    policy: Policy = Policy.UNANIMOUS
    adjudicator: str | None = None

    def describe(self) -> str:
        return f"adjudicator {self.adjudicator}" if self.policy is Policy.ADJUDICATOR else self.policy.value


@dataclass(frozen=True)
class Outcome:
    """What the policy makes of one item: the class and fields it decides, and what it leaves open."""

    classification: str | None
    taxonomy: dict[str, list[str]]
    reviewers: dict[str, str]  # reviewer -> current class
    open_fields: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # field -> reviewer -> values
    decided_by: str = ""

    @property
    def disagrees(self) -> bool:
        return self.classification is None and bool(self.reviewers)


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def when(review: dict[str, Any]) -> datetime | None:
    """When the reviewer gave this answer: the tool's time, else the import time."""
    return _parse(review.get("decided_at")) or _parse(review.get("imported_at"))


def is_later(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """True when `a` was given after `b` (equal or unknown times: `a` came later in the list)."""
    ta, tb = when(a), when(b)
    return ta is None or tb is None or ta >= tb


def current_reviews(reviews: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """Each reviewer's latest decision, in order of first appearance."""
    out: dict[str, dict[str, Any]] = {}
    for review in reviews:
        if not isinstance(review, dict) or not isinstance(review.get("reviewer"), str):
            continue
        who = review["reviewer"]
        if who not in out or is_later(review, out[who]):
            out[who] = review
    return out


def _combine(answers: dict[str, Any], rule: Rule) -> tuple[Any, str]:
    """The answer the rule picks from reviewer -> answer (hashable), or None, and how it was picked."""
    if not answers:
        return None, ""
    if rule.policy is Policy.ADJUDICATOR and rule.adjudicator in answers:
        return answers[rule.adjudicator], f"adjudicator {rule.adjudicator}"
    counts = Counter(answers.values())
    top, n = counts.most_common(1)[0]
    if len(counts) == 1:
        return top, "unanimous" if len(answers) > 1 else "single reviewer"
    if rule.policy is Policy.MAJORITY and n * 2 > len(answers):
        return top, f"majority {n} of {len(answers)}"
    return None, ""


def adjudicate(reviews: Sequence[Any], rule: Rule) -> Outcome:
    """Combine the reviewers' current decisions on one item (see the module docstring)."""
    current = current_reviews(reviews)
    classes = {who: r["classification"] for who, r in current.items() if isinstance(r.get("classification"), str)}
    chosen, how = _combine(classes, rule)
    keys = dict.fromkeys(k for r in current.values() for k in (r.get("taxonomy") or {}))
    taxonomy: dict[str, list[str]] = {}
    open_fields: dict[str, dict[str, list[str]]] = {}
    for key in keys:
        given = {who: tuple(sorted(r["taxonomy"][key])) for who, r in current.items() if key in (r.get("taxonomy") or {})}
        value, _ = _combine(given, rule)
        if value is None:
            open_fields[key] = {who: list(v) for who, v in given.items()}
            continue
        first = next(r["taxonomy"][key] for who, r in current.items() if key in (r.get("taxonomy") or {})
                     and tuple(sorted(r["taxonomy"][key])) == value)
        taxonomy[key] = list(first)
    return Outcome(chosen, taxonomy, classes, open_fields, how)
