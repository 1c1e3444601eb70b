"""Score label records against gold and build the report: the one place that decides what counts as what.

Every gold item is scored. An item whose record failed (or is missing) counts as predicted
`(no label)`: wrong for accuracy and for its gold class's recall, so a model that fails often
cannot look good by being scored only on what it answered. Taxonomy fields are scored only on
items with a label and a gold value for that field. Records for articles not in gold are
counted and ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from aimlabel.core.record import LabelRecord
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.evaluation.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, bootstrap_intervals
from aimlabel.evaluation.events import event_section, score_events
from aimlabel.evaluation.gold import GoldItem, GoldSet
from aimlabel.evaluation.manifest import BootstrapRef, PricesRef, build_manifest
from aimlabel.evaluation.metrics import (
    NO_LABEL,
    accuracy,
    cohen_kappa,
    confusion_matrix,
    macro_f1,
    ordered_labels,
    per_class,
    scored_labels,
)
from aimlabel.evaluation.report import ClassificationSection, ConfusionView, EvalReport, ItemCounts, RoutedPart, RoutingSection
from aimlabel.evaluation.runstats import run_stats
from aimlabel.evaluation.taxonomy_metrics import FieldItem, FieldScores, as_values, field_scores
from aimlabel.run.pricing import Prices


def predicted_class(record: LabelRecord | None) -> str:
    if record is None or record.status == "failed" or not record.label:
        return NO_LABEL
    return str(record.label.get("classification") or NO_LABEL)


def classification_section(y_true: list[str], y_pred: list[str], taxonomy: Taxonomy, resamples: int, seed: int) -> ClassificationSection:
    labels = ordered_labels(y_true, y_pred, taxonomy.classes)
    cm = confusion_matrix(y_true, y_pred, labels)
    intervals = bootstrap_intervals(cm, resamples=resamples, seed=seed)
    acc, mf1 = intervals["accuracy"], intervals["macro_f1"]
    return ClassificationSection(
        n=cm.total,
        accuracy=accuracy(cm),
        accuracy_ci95=[acc.low, acc.high] if acc else None,
        macro_f1=macro_f1(cm),
        macro_f1_ci95=[mf1.low, mf1.high] if mf1 else None,
        macro_f1_over=scored_labels(cm),
        kappa=cohen_kappa(cm),
        per_class=per_class(cm),
        confusion=ConfusionView(labels=list(cm.labels), matrix=[list(row) for row in cm.matrix]),
    )


def taxonomy_section(pairs: Sequence[tuple[GoldItem, LabelRecord | None]], taxonomy: Taxonomy) -> dict[str, FieldScores]:
    out: dict[str, FieldScores] = {}
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
            out[tf.key] = field_scores(items, tf.values)
    return out


def routing_section(pairs: Sequence[tuple[GoldItem, LabelRecord | None]]) -> RoutingSection | None:
    """Auto-accepted against routed labels, over the labels a calibration file judged (None when none did)."""
    judged = [(item, r) for item, r in pairs if r is not None and r.label is not None and r.confidence is not None
              and r.confidence.calibration is not None]
    if not judged:
        return None
    parts = {}
    for name, routed in (("auto_accepted", False), ("routed_low_confidence", True)):
        mine = [(item, r) for item, r in judged if ("low_confidence" in r.review_reasons) == routed]
        right = sum(predicted_class(r) == item.gold.classification for item, r in mine)
        parts[name] = RoutedPart(labels=len(mine), correct=right, accuracy=right / len(mine) if mine else None)
    return RoutingSection(
        calibrations=sorted({str(r.confidence.calibration) for _, r in judged if r.confidence}),
        thresholds=sorted({r.confidence.threshold for _, r in judged if r.confidence}, key=lambda t: (t is None, t or 0.0)),
        **parts,
    )


def build_report(
    gold: GoldSet,
    records: list[LabelRecord],
    *,
    source: str,
    recording_producer: str | None,
    prices: Prices,
    labels: str | None = None,
    taxonomy: Taxonomy | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> EvalReport:
    """The whole report: manifest, counts, classification, taxonomy, run statistics.

    `labels` is what `--labels` named: a file (hashed into the manifest) or a stored run.
    """
    taxonomy = taxonomy or default_taxonomy()
    labels_file = Path(labels) if labels is not None and Path(labels).is_file() else None
    manifest = build_manifest(
        gold=gold, records=records, source=source, recording_producer=recording_producer, labels_file=labels_file,
        stored_run=labels if labels is not None and labels_file is None else None,
        prices=PricesRef(source=prices.source, sha256=prices.sha256), bootstrap=BootstrapRef(resamples=resamples, seed=seed),
    )
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
    events = score_events(pairs, taxonomy)
    return EvalReport(
        manifest=manifest,
        items=ItemCounts(
            gold=len(gold.items), with_record=len(matched), missing_record=len(gold.items) - len(matched),
            records_not_in_gold=extra, duplicate_records_ignored=duplicates, by_origin=_count_origins(gold),
        ),
        classification=classification_section(y_true, y_pred, taxonomy, resamples, seed),
        taxonomy=taxonomy_section(pairs, taxonomy),
        run=run_stats(matched, prices.table),
        routing=routing_section(pairs),
        events=event_section(events, classification_section([e.gold for e in events], [e.predicted for e in events], taxonomy,
                                                             resamples, seed)) if events else None,
    )


def _count_origins(gold: GoldSet) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in gold.items:
        counts[item.origin] = counts.get(item.origin, 0) + 1
    return dict(sorted(counts.items()))
