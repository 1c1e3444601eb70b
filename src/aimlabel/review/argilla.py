"""Argilla (2.x): records with the model's label as suggestions out, the answered records back in.

Out: a JSON list of records in the form Argilla's own `dataset.records.to_json()` writes and
`rg.Record.from_dict` reads (`id`, `fields`, `metadata`, `suggestions` keyed by question name
with `value`, `score`, `agent`, `responses`, `vectors`), plus the dataset settings as
`rg.Settings.to_json()` writes them (`fields`, `questions`, `metadata`, `guidelines`). In: an
export of answered records (JSON list or JSONL); each user's responses on a record become one
decision, so two annotators who disagree show up as a conflict on import.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aimlabel.core.articles import ARTICLE_FIELDS
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.review.decisions import Decision, DecisionsProblem, parse_decision
from aimlabel.review.exports import answered_fields, exportable, parse_entries, review_fields
from aimlabel.review.sides import Side

Q_CLASS = "classification"
Q_NOTE = "note"
ARTICLE_KEYS = tuple(k for k in ARTICLE_FIELDS if k != "id")
METADATA = ("outlet", "date", "event_id", "url", "language")  # article fields shown as Argilla metadata, in this order
GUIDELINES = (
    "Decide the OECD AIM class of the article: AI Incident (harm happened), AI Hazard (harm could plausibly "
    "happen), Complementary Information (a response or update to an incident or hazard), Unrelated. "
    "The suggestions are a model's draft: correct what is wrong. The taxonomy questions are optional."
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
                                    "options": _options(f.values), "visible_options": None}
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


class ExportResponse(BaseModel):
    model_config = ConfigDict(extra="allow")

    value: Any
    user_id: str | None = None
    status: str | None = None


class ExportRecord(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str | int | None = None
    fields: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    responses: dict[str, list[ExportResponse]] = Field(default_factory=dict)


def parse_export_text(text: str) -> list[Any]:
    """A JSON list (what `to_json` writes) or JSONL (one record a line)."""
    stripped = text.lstrip("\ufeff").strip()
    if stripped.startswith("["):
        value = json.loads(stripped)
        return value if isinstance(value, list) else [value]
    return [json.loads(line) for line in stripped.splitlines() if line.strip()]


def decisions_from_records(raw: list[Any], taxonomy: Taxonomy | None = None) -> tuple[list[Decision], list[str]]:
    """One decision per (record, user) whose responses include a classification."""
    taxonomy = taxonomy or default_taxonomy()
    multi = {f.key: f.multi for f in review_fields(taxonomy)}
    decisions: list[Decision] = []
    notes: list[str] = []
    for number, record in parse_entries(raw, ExportRecord, "record", "an Argilla record"):
        if record.id in (None, ""):
            raise DecisionsProblem(f"record {number}: no id; export records with aimlabel export-argilla")
        by_user: dict[str, dict[str, Any]] = defaultdict(dict)
        for question, answers in record.responses.items():
            for answer in answers:
                if answer.status in (None, "submitted"):
                    by_user[answer.user_id or "unknown"][question] = answer.value
        answered = {u: a for u, a in by_user.items() if a.get(Q_CLASS)}
        if not answered:
            notes.append(f"{record.id}: no submitted classification; skipped")
            continue
        article = {k: str(record.metadata[k]) for k in ARTICLE_KEYS if record.metadata.get(k) not in (None, "")}
        article.update({k: record.fields[k] for k in ("title", "text") if isinstance(record.fields.get(k), str) and record.fields[k]})
        for user, given in answered.items():
            taxonomy_answers = {
                k: (list(v) if isinstance(v, list) else [v])
                for k, v in given.items() if k in multi and v not in (None, "", [])
            }
            note = given.get(Q_NOTE)
            decisions.append(parse_decision({
                "id": str(record.id), "classification": given[Q_CLASS], "taxonomy": taxonomy_answers or None,
                "action": "annotate", "note": note if isinstance(note, str) and note.strip() else None,
                "reviewer": f"argilla:{user}", "source": "argilla", "article": article,
            }, f"record {number} ({record.id})"))
    return decisions, notes
