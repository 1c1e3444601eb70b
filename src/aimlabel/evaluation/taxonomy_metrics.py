"""Multi-label agreement for one taxonomy field: micro/macro F1, Jaccard, per-value scores.

Each item is a (gold values, predicted values, scope) triple. Predictions are cut to the scope
first: when gold only judged "Physical (death)" and "Physical (injury)", a predicted
"Economic/Property" is neither right nor wrong. Single-valued fields are sets of zero or one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldItem:
    gold: frozenset[str]
    predicted: frozenset[str]
    scope: frozenset[str] | None = None


@dataclass(frozen=True)
class ValueScores:
    value: str
    precision: float
    recall: float
    f1: float
    support: int
    predicted: int


@dataclass(frozen=True)
class FieldScores:
    """`micro_f1`/`macro_f1` are None when no item has any value in gold or predictions."""

    n: int
    micro_f1: float | None
    macro_f1: float | None
    jaccard: float | None
    exact_match: float | None
    per_value: list[ValueScores]


def as_values(value: object) -> frozenset[str]:
    """A prediction's field as a set: lists as they are, a scalar as one value, None as empty."""
    if value is None:
        return frozenset()
    if isinstance(value, (list, tuple, set, frozenset)):
        return frozenset(str(v) for v in value)
    return frozenset({str(value)})


def field_scores(items: Iterable[FieldItem], vocabulary: Sequence[str] = ()) -> FieldScores:
    """Scores over `items`; per-value rows in vocabulary order, then unknown values sorted."""
    tp: dict[str, int] = {}
    fp: dict[str, int] = {}
    fn: dict[str, int] = {}
    n = 0
    jaccard_sum = 0.0
    exact = 0
    for item in items:
        n += 1
        predicted = item.predicted if item.scope is None else item.predicted & item.scope
        union = item.gold | predicted
        both = item.gold & predicted
        jaccard_sum += len(both) / len(union) if union else 1.0
        exact += item.gold == predicted
        for value in both:
            tp[value] = tp.get(value, 0) + 1
        for value in predicted - item.gold:
            fp[value] = fp.get(value, 0) + 1
        for value in item.gold - predicted:
            fn[value] = fn.get(value, 0) + 1
    seen = set(tp) | set(fp) | set(fn)
    order = [v for v in vocabulary if v in seen] + sorted(seen - set(vocabulary))
    per_value = []
    for value in order:
        t, p, f = tp.get(value, 0), fp.get(value, 0), fn.get(value, 0)
        per_value.append(ValueScores(
            value,
            precision=t / (t + p) if t + p else 0.0,
            recall=t / (t + f) if t + f else 0.0,
            f1=2 * t / (2 * t + p + f) if t + p + f else 0.0,
            support=t + f,
            predicted=t + p,
        ))
    total_tp, total_fp, total_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    denominator = 2 * total_tp + total_fp + total_fn
    return FieldScores(
        n=n,
        micro_f1=2 * total_tp / denominator if denominator else None,
        macro_f1=sum(v.f1 for v in per_value) / len(per_value) if per_value else None,
        jaccard=jaccard_sum / n if n else None,
        exact_match=exact / n if n else None,
        per_value=per_value,
    )
