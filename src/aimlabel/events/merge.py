"""The event's taxonomy, merged from its articles' labels by one stated rule.

AIM shows one set of chips per event while each article may carry its own. Which articles
count: those that support the event's class (an outlier's harm types or a follow-up's
principles are not the event's), or every labelled article when none does. A value is kept
when at least `min_share` of the counted articles that carry the field carry it, and at least
one does; a one-value field keeps its most frequent value under the same bar (ties: taxonomy
order). Every count is kept in the record, kept or not, so a reviewer sees how close a value
came. Severity is not merged: it follows the event's class.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from aimlabel.core.taxonomy import Taxonomy
from aimlabel.events.record import FieldMerge, MergedTaxonomy

DEFAULT_MIN_SHARE = 0.5
NOT_MERGED = ("severity",)


def merge_rule(min_share: float) -> str:
    return (f"a value is kept when at least {min_share:.0%} of the counted articles that carry the field carry it "
            "(at least one article); a one-value field keeps its most frequent value under the same bar (ties: taxonomy "
            "order); severity is not merged, it follows the class")


def _values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, (list, tuple)):
        return list(dict.fromkeys(v for v in value if isinstance(v, str) and v.strip()))
    return []


def _ordered(counts: Counter[str], vocabulary: tuple[str, ...]) -> dict[str, int]:
    """Vocabulary order first, then values the vocabulary lacks in the order they were met."""
    known = [v for v in vocabulary if counts[v]]
    return {v: counts[v] for v in [*known, *(v for v in counts if v not in vocabulary)]}


def merge_field(labels: Sequence[dict[str, Any]], key: str, vocabulary: tuple[str, ...], multi: bool, min_share: float) -> FieldMerge | None:
    """One field over `labels`; None when no label carries it."""
    carrying = [label for label in labels if key in label]
    if not carrying:
        return None
    counts: Counter[str] = Counter(v for label in carrying for v in _values(label[key]))
    needed = max(1, math.ceil(min_share * len(carrying) - 1e-9))
    ordered = _ordered(counts, vocabulary)
    if multi:
        kept = [v for v, n in ordered.items() if n >= needed]
    else:
        best = max(ordered.values(), default=0)
        kept = [next(v for v, n in ordered.items() if n == best)] if best >= needed else []
    return FieldMerge(values=kept, counts=ordered, articles=len(carrying), needed=needed)


def merge_taxonomy(members: Sequence[tuple[str, dict[str, Any]]], supporting: set[str], taxonomy: Taxonomy,
                   min_share: float = DEFAULT_MIN_SHARE) -> MergedTaxonomy:
    """`members`: (article id, label) of the event's labelled articles; `supporting`: the ids
    whose class is the event's."""
    counted = [(rid, label) for rid, label in members if rid in supporting]
    over = "articles of the event's class"
    if not counted:
        counted = list(members)
        over = "every labelled article (none has the event's class)"
    labels = [label for _, label in counted]
    fields = {}
    for f in taxonomy.fields:
        if f.key in NOT_MERGED:
            continue
        merged = merge_field(labels, f.key, f.values, f.multi, min_share)
        if merged is not None:
            fields[f.key] = merged
    return MergedTaxonomy(rule=merge_rule(min_share), min_share=min_share, over=over,
                          articles=[rid for rid, _ in counted], fields=fields)
