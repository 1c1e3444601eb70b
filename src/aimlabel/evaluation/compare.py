"""Two runs side by side: which articles changed class, is the difference real, what rules moved.

The significance test is the exact McNemar test on the articles both runs labelled and gold
judged: only discordant pairs (one run right, the other wrong) carry information, and with few
of them the chi-square approximation is poor, so the binomial tail is summed exactly with
`math.comb` (integers, no floating-point underflow until the final division).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from aimlabel.core.record import LabelRecord
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.evaluation.gold import GoldSet
from aimlabel.evaluation.metrics import NO_LABEL, confusion_matrix, ordered_labels, per_class
from aimlabel.evaluation.report import (
    ClassCounts,
    ClassDelta,
    CompareItems,
    CompareReport,
    Flip,
    GoldFlip,
    McNemar,
    RuleMove,
)
from aimlabel.evaluation.scoring import predicted_class


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact p-value for b vs c discordant pairs (1.0 when there are none)."""
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(b, c) + 1))
    p: float = 2 * tail / 2**n  # integer arithmetic until this one division (exact for large n)
    return min(1.0, p)


def _index(records: Sequence[LabelRecord]) -> dict[str, LabelRecord]:
    out: dict[str, LabelRecord] = {}
    for record in records:
        out.setdefault(record.id, record)
    return out


def _rules(record: LabelRecord) -> set[str]:
    return {f.rule for f in record.findings}


def compare_runs(
    run_a: Sequence[LabelRecord],
    run_b: Sequence[LabelRecord],
    gold: GoldSet | None = None,
    taxonomy: Taxonomy | None = None,
    names: tuple[str, str] = ("a", "b"),
) -> CompareReport:
    taxonomy = taxonomy or default_taxonomy()
    a, b = _index(run_a), _index(run_b)
    common = [key for key in a if key in b]
    gold_by_id = {item.id: item.gold.classification for item in gold.items} if gold else {}
    flips: list[Flip] = []
    for key in common:
        ca, cb = predicted_class(a[key]), predicted_class(b[key])
        if ca != cb:
            flips.append(GoldFlip(id=key, a=ca, b=cb, gold=gold_by_id.get(key)) if gold is not None else Flip(id=key, a=ca, b=cb))
    findings: dict[str, RuleMove] = {}
    for key in common:
        ra, rb = _rules(a[key]), _rules(b[key])
        for rule in sorted(rb - ra):
            findings.setdefault(rule, RuleMove(rule=rule)).appeared.append(key)
        for rule in sorted(ra - rb):
            findings.setdefault(rule, RuleMove(rule=rule)).went_away.append(key)
    mcnemar = None
    if gold is not None:
        scored = [key for key in common if key in gold_by_id]
        a_only = sum(1 for k in scored if predicted_class(a[k]) == gold_by_id[k] != predicted_class(b[k]))
        b_only = sum(1 for k in scored if predicted_class(b[k]) == gold_by_id[k] != predicted_class(a[k]))
        mcnemar = McNemar(
            n=len(scored),
            accuracy_a=sum(predicted_class(a[k]) == gold_by_id[k] for k in scored) / len(scored) if scored else None,
            accuracy_b=sum(predicted_class(b[k]) == gold_by_id[k] for k in scored) / len(scored) if scored else None,
            a_right_b_wrong=a_only, b_right_a_wrong=b_only, p_value=mcnemar_exact(a_only, b_only),
        )
    return CompareReport(
        a=names[0], b=names[1],
        items=CompareItems(a=len(a), b=len(b), common=len(common), only_a=len(a) - len(common), only_b=len(b) - len(common)),
        agreement=(len(common) - len(flips)) / len(common) if common else None,
        flips=flips,
        findings=[findings[rule] for rule in sorted(findings)],
        mcnemar=mcnemar,
        per_class=_class_deltas([key for key in common if key in gold_by_id] if gold else common, a, b, gold_by_id, taxonomy),
    )


def _class_deltas(keys: list[str], a: dict[str, LabelRecord], b: dict[str, LabelRecord],
                  gold: dict[str, str], taxonomy: Taxonomy) -> list[ClassDelta] | list[ClassCounts]:
    """With gold: precision/recall/F1 of each run per class; without: how often each predicted it."""
    pred_a = [predicted_class(a[k]) for k in keys]
    pred_b = [predicted_class(b[k]) for k in keys]
    if not gold:
        labels = ordered_labels(pred_a, pred_b, taxonomy.classes)
        return [ClassCounts(label=label, predicted_a=pred_a.count(label), predicted_b=pred_b.count(label),
                            delta=pred_b.count(label) - pred_a.count(label)) for label in labels]
    truth = [gold[k] for k in keys]
    labels = ordered_labels(truth, pred_a + pred_b, taxonomy.classes)
    scores_a = per_class(confusion_matrix(truth, pred_a, labels))
    scores_b = per_class(confusion_matrix(truth, pred_b, labels))
    return [ClassDelta(label=sa.label, support=sa.support, precision_a=sa.precision, precision_b=sb.precision,
                       recall_a=sa.recall, recall_b=sb.recall, f1_a=sa.f1, f1_b=sb.f1, f1_delta=sb.f1 - sa.f1)
            for sa, sb in zip(scores_a, scores_b, strict=True)
            if sa.label != NO_LABEL and (sa.support or sa.predicted or sb.predicted)]
