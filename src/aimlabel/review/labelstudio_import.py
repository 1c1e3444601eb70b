"""Label Studio's JSON export back in: every annotator's submitted annotation becomes a decision.

Read: the JSON export (`Export > JSON`, `GET /api/projects/ID/export?exportType=JSON`, or a
snapshot's JSON), a list of tasks with `annotations[]`. Each annotation that was submitted
(not `was_cancelled`, i.e. not skipped) is one decision by its annotator (`completed_by`), at its
`updated_at`, with its Label Studio annotation id, so one reviewer's later edit of the same
annotation supersedes their earlier one on a second import. Drafts are reported, never imported.

Each result's `origin` (written by Label Studio's editor) is kept: a taxonomy value still as the
model pre-filled it (`prediction`) is what the reviewer saw, not what they decided, so it goes to
`prefilled`, not `taxonomy`. The class is different: submitting the annotation decides it, so an
untouched class is the reviewer accepting the model's. The answer "none" is the explicit choice
"none"; a field with no result was not answered.

JSON_MIN, CSV and TSV exports are refused with the format to use: JSON_MIN replaces the article
id with Label Studio's task id, and none of the three carries `origin` or skipped annotations.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aimlabel.core.articles import ArticleFields
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.review.decisions import Decision, DecisionsProblem, parse_decision
from aimlabel.review.exports import NoneProblem, from_tool_values, parse_entries, review_fields
from aimlabel.review.labelstudio import FROM_CLASS, FROM_NOTE

USE_JSON = ("export the project as JSON instead (Export > JSON, or GET /api/projects/ID/export?exportType=JSON): "
            "only that format keeps the article id, each value's origin and skipped annotations")
ORIGINS = ("prediction", "prediction-changed", "manual")


class ExportResult(BaseModel):
    model_config = ConfigDict(extra="allow")

    from_name: str
    to_name: str | None = None
    type: str
    value: dict[str, Any]
    origin: str | None = None


class ExportAnnotation(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: int | str | None = None
    completed_by: int | str | dict[str, Any] | None = None
    result: list[ExportResult] = Field(default_factory=list)
    was_cancelled: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None


class ExportDraft(BaseModel):
    model_config = ConfigDict(extra="allow")

    user: str | int | None = None
    created_username: str | None = None


class ExportTask(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: int | str | None = None
    data: dict[str, Any]
    annotations: list[ExportAnnotation] = Field(default_factory=list)
    drafts: list[ExportDraft] = Field(default_factory=list)


def _utc(moment: datetime | None) -> datetime | None:
    """Label Studio writes UTC, so a bare time is read as UTC."""
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def _who(completed_by: int | str | dict[str, Any] | None) -> str:
    if isinstance(completed_by, dict):
        completed_by = completed_by.get("email") or completed_by.get("id")
    return f"labelstudio:{completed_by if completed_by not in (None, '') else 'unknown'}"


def refuse_other_formats(data: bytes) -> None:
    """A clear refusal for Label Studio's other export formats (and anything that is not JSON)."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]
    if head.startswith(b"PK"):
        raise DecisionsProblem(f"a ZIP archive (Label Studio's DOCLANG or an image-format export): {USE_JSON}")
    first_line = head.split(b"\n", 1)[0]
    if not head.startswith((b"[", b"{")):
        if b"annotation_id" in first_line and b"annotator" in first_line:
            kind = "TSV" if b"\t" in first_line else "CSV"
            raise DecisionsProblem(f"Label Studio's {kind} export: {USE_JSON}")
        raise DecisionsProblem(f"not a Label Studio JSON export (not JSON): {USE_JSON}")


def _looks_min(entry: Any) -> bool:
    return isinstance(entry, dict) and "data" not in entry and "annotation_id" in entry and "annotator" in entry


def parse_export(data: bytes) -> Any:
    refuse_other_formats(data)
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DecisionsProblem(f"not JSON ({exc})") from None
    if isinstance(raw, list) and raw and _looks_min(raw[0]):
        raise DecisionsProblem(f"Label Studio's JSON_MIN export (its `id` is Label Studio's task id, not the article's): {USE_JSON}")
    return raw


def _values(result: ExportResult, where: str) -> list[str]:
    try:
        return from_tool_values(list(result.value.get("choices") or []))
    except NoneProblem as exc:
        raise DecisionsProblem(f"{where}: {result.from_name}: {exc}; choose either") from None


def _decision(task: ExportTask, annotation: ExportAnnotation, article_id: str, keys: set[str], where: str) -> dict[str, Any]:
    cls = None
    taxonomy: dict[str, list[str]] = {}
    prefilled: dict[str, list[str]] = {}
    origin: dict[str, str] = {}
    note = None
    for r in annotation.result:
        if r.origin in ORIGINS and (r.from_name == FROM_CLASS or r.from_name in keys):
            origin[r.from_name] = r.origin
        if r.from_name == FROM_CLASS:
            cls = (r.value.get("choices") or [None])[0]
        elif r.from_name in keys and r.type == "choices":
            (prefilled if r.origin == "prediction" else taxonomy)[r.from_name] = _values(r, where)
        elif r.from_name == FROM_NOTE and r.type == "textarea":
            note = "\n".join(r.value.get("text") or []) or None
    article = ArticleFields.model_validate({k: task.data.get(k) for k in ArticleFields.model_fields if task.data.get(k) not in (None, "")})
    return {
        "id": article_id, "classification": cls, "taxonomy": taxonomy or None, "prefilled": prefilled or None,
        "origin": origin or None, "action": "annotate", "note": note, "reviewer": _who(annotation.completed_by),
        "decided_at": _utc(annotation.updated_at or annotation.created_at), "created_at": _utc(annotation.created_at),
        "annotation_id": annotation.id, "source": "labelstudio", "article": article.model_dump(exclude_none=True),
    }


def decisions_from_export(raw: Any, taxonomy: Taxonomy | None = None) -> tuple[list[Decision], list[str]]:
    """Decisions from a Label Studio JSON export, and one note per annotation or task that gave none."""
    taxonomy = taxonomy or default_taxonomy()
    if not isinstance(raw, list):
        raise DecisionsProblem(f"not a Label Studio JSON export: expected a list of tasks; {USE_JSON}")
    keys = {f.key for f in review_fields(taxonomy)}
    decisions: list[Decision] = []
    notes: list[str] = []
    for number, task in parse_entries(raw, ExportTask, "task", "a Label Studio task"):
        article_id = task.data.get("id")
        if article_id in (None, ""):
            raise DecisionsProblem(f"task {number} (Label Studio id {task.id}): data.id is missing; export tasks with aimlabel export-labelstudio")
        for draft in task.drafts:
            notes.append(f"{article_id}: a draft by labelstudio:{draft.user or draft.created_username} was never submitted; not a decision")
        given = 0
        for annotation in task.annotations:
            who = _who(annotation.completed_by)
            if annotation.was_cancelled:
                notes.append(f"{article_id}: annotation {annotation.id} by {who} was skipped; not a decision")
                continue
            if not any(r.from_name == FROM_CLASS for r in annotation.result):
                notes.append(f"{article_id}: annotation {annotation.id} by {who} has no classification; not a decision")
                continue
            where = f"task {number} ({article_id}), annotation {annotation.id}"
            decisions.append(parse_decision(_decision(task, annotation, str(article_id), keys, where), where))
            given += 1
        if not given and not task.drafts:
            notes.append(f"{article_id}: no annotation with a classification; skipped")
    return decisions, notes
