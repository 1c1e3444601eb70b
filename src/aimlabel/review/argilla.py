"""Argilla (2.x): records with the model's label as suggestions out, the answered records back in.

Out: a JSON list of records in the form Argilla's own `dataset.records.to_json()` writes and
`rg.Record.from_dict` reads (`id`, `fields`, `metadata`, `suggestions` keyed by question name
with `value`, `score`, `agent`, `responses`, `vectors`), plus the dataset settings as
`rg.Settings.to_json()` writes them (`fields`, `questions`, `metadata`, `guidelines`). Every
taxonomy question offers an explicit "none", so that answer can be recorded. The answered
records come back through `argilla_import`.
"""

from __future__ import annotations

from typing import Any

from aimlabel.core.articles import ARTICLE_FIELDS
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.review.exports import NONE, answered_fields, exportable, review_fields
from aimlabel.review.sides import Side

Q_CLASS = "classification"
Q_NOTE = "note"
ARTICLE_KEYS = tuple(k for k in ARTICLE_FIELDS if k != "id")
METADATA = ("outlet", "date", "event_id", "url", "language")  # article fields shown as Argilla metadata, in this order
GUIDELINES = (
    "Decide the OECD AIM class of the article: AI Incident (harm happened), AI Hazard (harm could plausibly "
    "happen), Complementary Information (a response or update to an incident or hazard), Unrelated. "
    "The suggestions are a model's draft: correct what is wrong. The taxonomy questions are optional; "
    "answer \"none\" when the article gives no value for a field."
)


def _options(values: tuple[str, ...] | list[str]) -> list[dict[str, str]]:
    return [{"value": v, "text": v} for v in values]


def dataset_settings(taxonomy: Taxonomy | None = None) -> dict[str, Any]:
    taxonomy = taxonomy or default_taxonomy()
    text = {"type": "text", "use_markdown": False}
    questions: list[dict[str, Any]] = [{
        "name": Q_CLASS, "title": "Classification", "description": None, "required": True,
        "settings": {"type": "label_selection", "options": _options(taxonomy.classes), "visible_options": None},
    }]
    for f in review_fields(taxonomy):
        settings: dict[str, Any] = {"type": "multi_label_selection" if f.multi else "label_selection",
                                    "options": _options((NONE, *f.values)), "visible_options": None}
        if f.multi:
            settings["options_order"] = "natural"
        questions.append({"name": f.key, "title": f.label, "description": f.description, "required": False,
                          "settings": settings})
    questions.append({"name": Q_NOTE, "title": "Reviewer note", "description": None, "required": False,
                      "settings": {"type": "text", "use_markdown": False}})
    fields = [
        {"name": "title", "title": "Title", "required": False, "description": None, "settings": text},
        {"name": "text", "title": "Article", "required": True, "description": None, "settings": text},
        {"name": "rationale", "title": "Model rationale", "required": False, "description": None, "settings": text},
        {"name": "evidence", "title": "Model evidence quotes", "required": False, "description": None, "settings": text},
    ]
    metadata = [{"name": n, "title": n.replace("_", " "), "settings": {"type": "terms", "values": None},
                 "visible_for_annotators": True} for n in (*METADATA, "source")]
    return {"guidelines": GUIDELINES, "questions": questions, "fields": fields, "vectors": [], "metadata": metadata,
            "allow_extra_metadata": False}


def export_records(side: Side, taxonomy: Taxonomy | None = None) -> list[dict[str, Any]]:
    """One record per labelled article; the article id is the record `id` (external id)."""
    taxonomy = taxonomy or default_taxonomy()
    records = []
    for item in exportable(side, taxonomy):
        agent = item.model or side.name
        suggestions: dict[str, dict[str, Any]] = {
            Q_CLASS: {"value": item.classification, "score": item.confidence, "agent": agent}}
        for f, values in answered_fields(item, taxonomy):
            suggestions[f.key] = {"value": values if f.multi else values[0], "score": None, "agent": agent}
        art = item.article
        metadata = {k: getattr(art, k) for k in METADATA if getattr(art, k)}
        metadata["source"] = side.name
        records.append({
            "id": item.id,
            "fields": {"title": art.title or "", "text": art.text or art.title or "", "rationale": item.rationale or "",
                       "evidence": "\n".join(item.evidence)},
            "metadata": metadata, "suggestions": suggestions, "responses": {}, "vectors": {}, "_server_id": None,
        })
    return records
