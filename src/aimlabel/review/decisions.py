"""A reviewer decision: the one format every review route (page, Label Studio, Argilla) produces.

Decisions are JSONL, one object per line (`decision_version` "1"); `aimlabel review import`
and the tool importers turn them into gold. A decision is about the classification, and may
also set taxonomy fields the reviewer answered (an empty list is the answer "none"). Values the
tool pre-filled from the model and the reviewer never touched are kept apart (`prefilled`): they
are what the reviewer saw, not what they decided. `origin` says, per answer, where it came from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from aimlabel.core.articles import ArticleFields
from aimlabel.core.atomic import write_text_atomic
from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.core.validation import validation_message

DECISION_VERSION: Literal["1"] = "1"
Action = Literal["accept_left", "accept_right", "edit", "annotate"]
Source = Literal["review-page", "labelstudio", "argilla"]
Origin = Literal["prediction", "prediction-changed", "manual"]  # Label Studio's words, used for every source


class DecisionsProblem(ValueError):
    """A decisions file that cannot be used; the message names the line."""


class SideRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    classification: str | None = None


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision_version: Literal["1"] = DECISION_VERSION
    id: str = Field(min_length=1)
    classification: str
    taxonomy: dict[str, list[str]] | None = None
    prefilled: dict[str, list[str]] | None = None
    origin: dict[str, Origin] | None = None
    action: Action
    note: str | None = None
    reviewer: str = Field(min_length=1)
    decided_at: AwareDatetime | None = None
    created_at: AwareDatetime | None = None
    annotation_id: str | None = None
    source: Source
    review_id: str | None = None
    left: SideRef | None = None
    right: SideRef | None = None
    article: ArticleFields | None = None  # as the reviewer saw it: lets a decision add an article new to the gold

    @field_validator("id", "annotation_id", mode="before")
    @classmethod
    def _id_to_str(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _in_vocabulary(self) -> Decision:
        taxonomy = default_taxonomy()
        if self.classification not in taxonomy.classes:
            raise ValueError(f"classification {self.classification!r} is not one of {list(taxonomy.classes)}")
        fields = {f.key: f for f in taxonomy.fields}
        for key, values in (*(self.taxonomy or {}).items(), *(self.prefilled or {}).items()):
            field = fields.get(key)
            if field is None:
                raise ValueError(f"unknown taxonomy field {key!r}; known: {sorted(fields)}")
            unknown = [v for v in values if v not in field.values]
            if unknown:
                raise ValueError(f"{key} values {unknown} are not in the AIM vocabulary")
            if not field.multi and len(values) > 1:
                raise ValueError(f"{key} takes one value, got {values}")
        return self

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=True)


def parse_decision(raw: Any, where: str) -> Decision:
    try:
        return Decision.model_validate(raw)
    except ValidationError as exc:
        raise DecisionsProblem(f"{where}: not a decision ({validation_message(exc, limit=1)})") from None


def read_decisions(path: Path) -> list[Decision]:
    """Every line must be a decision: a half-read decisions file would lose reviewer work silently."""
    decisions = []
    with open(path, encoding="utf-8-sig") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DecisionsProblem(f"{path}:{number}: not JSON: {exc.msg}") from None
            decisions.append(parse_decision(raw, f"{path}:{number}"))
    return decisions


def write_decisions(path: Path, decisions: list[Decision]) -> None:
    write_text_atomic(path, "".join(d.to_json() + "\n" for d in decisions))
