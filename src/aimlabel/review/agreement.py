"""Agreement between the reviewers recorded in a gold file, and between the model and each of them.

Each reviewer's current decision on each item (`adjudicate.current_reviews`: a reviewer's own
later edit replaces their earlier answer) is one rating. The class is one question; each
taxonomy field another, counting only the values a reviewer decided (not pre-filled values they
left untouched), an answer being the set of values ("none" when empty). The model's label, when
given, is rated the same way; its empty field reads "none".
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.evaluation.agreement import AgreementReport, question_agreement, set_label
from aimlabel.evaluation.gold import load_gold
from aimlabel.review.adjudicate import current_reviews
from aimlabel.review.exports import review_fields
from aimlabel.review.sides import Side

CLASS = "classification"


def reviewer_ratings(items: list[tuple[str, list[Any]]], taxonomy: Taxonomy) -> dict[str, dict[str, dict[str, str]]]:
    """question -> reviewer -> item -> label, from each item's `reviews`."""
    keys = [f.key for f in review_fields(taxonomy)]
    out: dict[str, dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    for item_id, reviews in items:
        for who, review in current_reviews(reviews).items():
            if isinstance(review.get("classification"), str):
                out[CLASS][who][item_id] = review["classification"]
            for key, values in (review.get("taxonomy") or {}).items():
                if key in keys and isinstance(values, list):
                    out[key][who][item_id] = set_label(values)
    return out


def model_ratings(side: Side, taxonomy: Taxonomy) -> dict[str, dict[str, str]]:
    """question -> item -> the model's label."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for item in side.items.values():
        if item.classification:
            out[CLASS][item.id] = item.classification
        for f in review_fields(taxonomy):
            out[f.key][item.id] = set_label(list(item.taxonomy.get(f.key, ())))
    return out


def agreement_in_gold(gold: Path, model: Side | None = None, taxonomy: Taxonomy | None = None) -> AgreementReport:
    """The report for a gold file's reviews (and a model run, when given)."""
    taxonomy = taxonomy or default_taxonomy()
    gold_set = load_gold(gold, taxonomy)
    items = [(g.id, list((g.model_extra or {}).get("reviews") or [])) for g in gold_set.items]
    ratings = reviewer_ratings(items, taxonomy)
    machine = model_ratings(model, taxonomy) if model is not None else None
    order = [CLASS, *(f.key for f in review_fields(taxonomy))]
    questions = [question_agreement(q, ratings[q], machine.get(q, {}) if machine is not None else None)
                 for q in order if q in ratings]
    reviewers = sorted({who for q in ratings.values() for who in q})
    return AgreementReport(source=gold.name, reviewers=reviewers, model=model.name if model else None,
                           items=sum(1 for _, reviews in items if reviews), questions=questions)
