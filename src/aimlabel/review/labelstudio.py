"""Label Studio: tasks with the model's label as a prediction out, the annotated export back in.

Out: a JSON list of tasks in Label Studio's basic JSON format, `{"data": {...article...},
"predictions": [{"model_version", "score", "result": [...]}]}`, plus the labeling config XML
the results refer to (`Choices` named `classification` and one per taxonomy field, all on the
`Text` named `text`, and a `TextArea` named `note`). In: Label Studio's JSON export (tasks with
`annotations[].result`); the latest non-cancelled annotation of a task becomes one decision.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aimlabel.core.articles import ArticleFields
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.review.decisions import Decision, DecisionsProblem, parse_decision
from aimlabel.review.exports import SKIPPED_FIELDS, answered_fields, exportable, parse_entries, review_fields
from aimlabel.review.sides import Side, SideItem

__all__ = ["SKIPPED_FIELDS", "decisions_from_export", "export_tasks", "labeling_config", "review_fields"]

FROM_CLASS = "classification"
FROM_NOTE = "note"
TO_NAME = "text"
def labeling_config(taxonomy: Taxonomy | None = None) -> str:
    """The XML config; built with ElementTree so values such as "Transparency & explainability" are escaped."""
    taxonomy = taxonomy or default_taxonomy()
    view = ET.Element("View")
    ET.SubElement(view, "Header", value="$title")
    ET.SubElement(view, "Text", name=TO_NAME, value="$text")
    model = ET.SubElement(view, "View", style="border-left: 4px solid #ccc; padding-left: 8px")
    ET.SubElement(model, "Header", value="Model rationale ($model)", size="5")
    ET.SubElement(model, "Text", name="rationale", value="$rationale")
    ET.SubElement(view, "Header", value="Classification")
    choices = ET.SubElement(view, "Choices", name=FROM_CLASS, toName=TO_NAME, choice="single-radio",
                            required="true", showInline="true")
    for cls in taxonomy.classes:
        ET.SubElement(choices, "Choice", value=cls)
    for f in review_fields(taxonomy):
        ET.SubElement(view, "Header", value=f.label, size="5")
        group = ET.SubElement(view, "Choices", name=f.key, toName=TO_NAME,
                              choice="multiple" if f.multi else "single", showInline="true")
        for value in f.values:
            ET.SubElement(group, "Choice", value=value)
    ET.SubElement(view, "Header", value="Reviewer note", size="5")
    ET.SubElement(view, "TextArea", name=FROM_NOTE, toName=TO_NAME, rows="2", editable="true", maxSubmissions="1")
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


def _result(item: SideItem, taxonomy: Taxonomy) -> list[dict[str, Any]]:
    results = [{"id": FROM_CLASS, "from_name": FROM_CLASS, "to_name": TO_NAME, "type": "choices",
                "value": {"choices": [item.classification]}}]
    for f, values in answered_fields(item, taxonomy):
        results.append({"id": f.key, "from_name": f.key, "to_name": TO_NAME, "type": "choices",
                        "value": {"choices": values if f.multi else values[:1]}})
    return results


def export_tasks(side: Side, taxonomy: Taxonomy | None = None) -> list[dict[str, Any]]:
    """One task per article with a class; the article id travels in `data.id` to come back."""
    taxonomy = taxonomy or default_taxonomy()
    tasks = []
    for item in exportable(side, taxonomy):
        art = item.article
        data = {**art.model_dump(), "title": art.title or "", "text": art.text or "",
                "rationale": item.rationale or "", "evidence": "\n".join(item.evidence),
                "model": item.model or side.name, "aimlabel_source": side.name}
        prediction: dict[str, Any] = {"model_version": item.model or side.name, "result": _result(item, taxonomy)}
        if item.confidence is not None:
            prediction["score"] = item.confidence
        tasks.append({"data": data, "predictions": [prediction]})
    return tasks


class ExportResult(BaseModel):
    model_config = ConfigDict(extra="allow")

    from_name: str
    to_name: str | None = None
    type: str
    value: dict[str, Any]


class ExportAnnotation(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: int | str | None = None
    completed_by: int | str | dict[str, Any] | None = None
    result: list[ExportResult] = Field(default_factory=list)
    was_cancelled: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None


class ExportTask(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: int | str | None = None
    data: dict[str, Any]
    annotations: list[ExportAnnotation] = Field(default_factory=list)


def _when(annotation: ExportAnnotation) -> datetime | None:
    """When the annotation was last saved; Label Studio writes UTC, so a bare time is read as UTC."""
    moment = annotation.updated_at or annotation.created_at
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def _who(completed_by: int | str | dict[str, Any] | None) -> str:
    if isinstance(completed_by, dict):
        completed_by = completed_by.get("email") or completed_by.get("id")
    return f"labelstudio:{completed_by if completed_by not in (None, '') else 'unknown'}"


def decisions_from_export(raw: Any, taxonomy: Taxonomy | None = None) -> tuple[list[Decision], list[str]]:
    """Decisions from a Label Studio JSON export, and one note per task that gave none."""
    taxonomy = taxonomy or default_taxonomy()
    if not isinstance(raw, list):
        raise DecisionsProblem("not a Label Studio JSON export: expected a list of tasks")
    keys = {f.key for f in review_fields(taxonomy)}
    decisions: list[Decision] = []
    notes: list[str] = []
    for number, task in parse_entries(raw, ExportTask, "task", "a Label Studio task"):
        article_id = task.data.get("id")
        if article_id in (None, ""):
            raise DecisionsProblem(f"task {number} (Label Studio id {task.id}): data.id is missing; export tasks with aimlabel export-labelstudio")
        done = [a for a in task.annotations if not a.was_cancelled and any(r.from_name == FROM_CLASS for r in a.result)]
        if not done:
            notes.append(f"{article_id}: no annotation with a classification; skipped")
            continue
        latest = max(enumerate(done), key=lambda p: ((_when(p[1]) or datetime.min.replace(tzinfo=UTC)), p[0]))[1]
        cls, taxonomy_answers, note = None, {}, None
        for r in latest.result:
            if r.from_name == FROM_CLASS:
                cls = (r.value.get("choices") or [None])[0]
            elif r.from_name in keys and r.type == "choices":
                taxonomy_answers[r.from_name] = list(r.value.get("choices") or [])
            elif r.from_name == FROM_NOTE and r.type == "textarea":
                note = "\n".join(r.value.get("text") or []) or None
        article = ArticleFields.model_validate({k: task.data.get(k) for k in ArticleFields.model_fields if task.data.get(k) not in (None, "")})
        decisions.append(parse_decision({
            "id": article_id, "classification": cls, "taxonomy": taxonomy_answers or None, "action": "annotate",
            "note": note, "reviewer": _who(latest.completed_by),
            "decided_at": _when(latest), "source": "labelstudio",
            "article": article.model_dump(exclude_none=True),
        }, f"task {number} ({article_id})"))
    return decisions, notes
