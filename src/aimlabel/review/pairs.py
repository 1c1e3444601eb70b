"""Pair the two sides by article id and say where they differ, disagreements first.

A gold taxonomy field is compared only where gold judged it (and within its scope), the way
the evaluation scores it, so a field gold never decided is not shown as a disagreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.review.sides import ArticleInfo, Side, SideItem, iter_ids

Agreement = Literal["agree", "disagree", "unknown"]


@dataclass(frozen=True)
class FieldDiff:
    """One taxonomy field on both sides; `judged` False when gold did not decide it."""

    key: str
    label: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    only_left: frozenset[str]
    only_right: frozenset[str]
    judged: bool = True
    scope: tuple[str, ...] | None = None

    @property
    def differs(self) -> bool:
        return bool(self.only_left or self.only_right)


@dataclass(frozen=True)
class Pair:
    index: int
    id: str
    left: SideItem | None
    right: SideItem | None
    article: ArticleInfo
    agreement: Agreement
    fields: tuple[FieldDiff, ...]

    @property
    def rule_errors(self) -> int:
        return sum(s.rule_errors for s in (self.left, self.right) if s is not None)

    @property
    def taxonomy_differs(self) -> bool:
        return any(f.differs for f in self.fields)

    @property
    def confidence(self) -> float | None:
        values = [s.confidence for s in (self.left, self.right) if s is not None and s.confidence is not None]
        return min(values) if values else None


def _field_diffs(left: SideItem | None, right: SideItem | None, taxonomy: Taxonomy) -> tuple[FieldDiff, ...]:
    diffs = []
    for f in taxonomy.fields:
        lv = left.taxonomy.get(f.key, ()) if left else ()
        rv = right.taxonomy.get(f.key, ()) if right else ()
        judged, scope = True, None
        for side in (left, right):
            if side is not None and side.scope is not None:
                judged = judged and f.key in side.scope
                scope = side.scope.get(f.key) if f.key in side.scope else None
        if not lv and not rv and (left is None or f.key not in left.taxonomy) and (right is None or f.key not in right.taxonomy):
            continue
        if not judged or left is None or right is None:
            only_l: frozenset[str] = frozenset()
            only_r: frozenset[str] = frozenset()
        else:
            window = set(scope) if scope is not None else None
            ls = set(lv) & window if window is not None else set(lv)
            rs = set(rv) & window if window is not None else set(rv)
            only_l, only_r = frozenset(ls - rs), frozenset(rs - ls)
        diffs.append(FieldDiff(f.key, f.label, lv, rv, only_l, only_r, judged, scope))
    return tuple(diffs)


def _agreement(left: SideItem | None, right: SideItem | None) -> Agreement:
    if left is None or right is None or not left.classification or not right.classification:
        return "unknown"
    return "agree" if left.classification == right.classification else "disagree"


_RANK = {"disagree": 0, "unknown": 1, "agree": 2}


def build_pairs(left: Side, right: Side | None, *, taxonomy: Taxonomy | None = None, sort: bool = True,
                uncertain_first: bool = False) -> list[Pair]:
    """Every article of either side. Sorted: class disagreements, then undecidable pairs, then
    agreements; within each, more rule errors and taxonomy differences first, then input order.
    `uncertain_first`: by confidence instead, lowest first (a label with none measured counts as
    0: nothing shows it is sure), then input order."""
    taxonomy = taxonomy or default_taxonomy()
    pairs = []
    for index, key in enumerate(iter_ids(left, right)):
        li = left.items.get(key)
        ri = right.items.get(key) if right is not None else None
        article = (li or ri).article if (li or ri) else ArticleInfo(id=key)  # type: ignore[union-attr]
        pairs.append(Pair(index, key, li, ri, article, _agreement(li, ri), _field_diffs(li, ri, taxonomy)))
    if uncertain_first:
        pairs.sort(key=lambda p: (p.confidence if p.confidence is not None else 0.0, p.index))
    elif sort:
        pairs.sort(key=lambda p: (_RANK[p.agreement], -p.rule_errors, not p.taxonomy_differs, p.index))
    return pairs
