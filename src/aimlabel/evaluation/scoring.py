"""Score label records against gold: the one place that decides what counts as what.

Every gold item is scored. An item whose record failed (or is missing) counts as predicted
`(no label)`: wrong for accuracy and for its gold class's recall, so a model that fails often
cannot look good by being scored only on what it answered. Taxonomy fields are scored only on
items with a label and a gold value for that field. Records for articles not in gold are
counted and ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from aimlabel.evaluation.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, bootstrap_intervals
from aimlabel.evaluation.gold import GoldSet
from aimlabel.evaluation.metrics import NO_LABEL, cohen_kappa, confusion_matrix, macro_f1, ordered_labels, per_class, scored_labels, accuracy
from aimlabel.evaluation.runstats import PriceTable, run_stats
from aimlabel.evaluation.taxonomy_metrics import FieldItem, as_values, field_scores
from aimlabel.core.record import LabelRecord
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy

REPORT_VERSION = "1"


def predicted_class(record: LabelRecord | None) -> str:
    if record is None or record.status == "failed" or not record.label:
        return NO_LABEL
    return str(record.label.get("classification") or NO_LABEL)


def _rounded(value: Any, digits: int = 6) -> Any:
    """Round floats everywhere so the JSON is stable to read and to diff."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v, digits) for v in value]
    return value


def classification_section(y_true: list[str], y_pred: list[str], taxonomy: Taxonomy, resamples: int, seed: int) -> dict[str, Any]:
    labels = ordered_labels(y_true, y_pred, taxonomy.classes)
    cm = confusion_matrix(y_true, y_pred, labels)
    intervals = bootstrap_intervals(cm, resamples=resamples, seed=seed)
    return {
        "n": cm.total,
        "accuracy": accuracy(cm),
        "accuracy_ci95": [intervals["accuracy"].low, intervals["accuracy"].high] if intervals["accuracy"] else None,
        "macro_f1": macro_f1(cm),
        "macro_f1_ci95": [intervals["macro_f1"].low, intervals["macro_f1"].high] if intervals["macro_f1"] else None,
        "macro_f1_over": scored_labels(cm),
        "kappa": cohen_kappa(cm),
        "per_class": [asdict(s) for s in per_class(cm)],
        "confusion": {"labels": list(cm.labels), "matrix": [list(row) for row in cm.matrix]},
    }


def taxonomy_section(pairs: list[tuple[Any, LabelRecord | None]], taxonomy: Taxonomy) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tf in taxonomy.fields:
        items = []
        for gold_item, record in pairs:
            gold_field = gold_item.gold.taxonomy.get(tf.key)
            if gold_field is None or record is None or predicted_class(record) == NO_LABEL:
                continue
            items.append(FieldItem(
                gold=frozenset(gold_field.values),
                predicted=as_values((record.label or {}).get(tf.key)),
                scope=frozenset(gold_field.scope) if gold_field.scope is not None else None,
            ))
        if items:
            scores = field_scores(items, tf.values)
            out[tf.key] = asdict(scores)
    return out


def evaluate(
    gold: GoldSet,
    records: Iterable[LabelRecord],
    *,
    prices: PriceTable,
    taxonomy: Taxonomy | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """The report body (no manifest): counts, classification, taxonomy, run statistics."""
    taxonomy = taxonomy or default_taxonomy()
    by_id: dict[str, LabelRecord] = {}
    duplicates = extra = 0
    gold_ids = {item.id for item in gold.items}
    for record in records:
        if record.id not in gold_ids:
            extra += 1
        elif record.id in by_id:
            duplicates += 1
        else:
            by_id[record.id] = record
    pairs = [(item, by_id.get(item.id)) for item in gold.items]
    y_true = [item.gold.classification for item, _ in pairs]
    y_pred = [predicted_class(record) for _, record in pairs]
    matched = [record for _, record in pairs if record is not None]
    return _rounded({
        "report_version": REPORT_VERSION,
        "items": {
            "gold": len(gold.items),
            "with_record": len(matched),
            "missing_record": len(gold.items) - len(matched),
            "records_not_in_gold": extra,
            "duplicate_records_ignored": duplicates,
            "by_origin": _count_origins(gold),
        },
        "classification": classification_section(y_true, y_pred, taxonomy, resamples, seed),
        "taxonomy": taxonomy_section(pairs, taxonomy),
        "run": run_stats(matched, prices),
    })


def _count_origins(gold: GoldSet) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in gold.items:
        counts[item.origin] = counts.get(item.origin, 0) + 1
    return dict(sorted(counts.items()))
