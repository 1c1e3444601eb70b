"""What the annotation-tool exports share: which articles go out, and which taxonomy answers.

Label Studio tasks and Argilla records carry the same things in different shapes: every
article whose label has a known class, and for each taxonomy field a reviewer answers (all but
severity, which the class decides), the label's values that are in the vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from aimlabel.core.taxonomy import Taxonomy, TaxonomyField
from aimlabel.core.validation import validation_message
from aimlabel.review.decisions import DecisionsProblem
from aimlabel.review.sides import Side, SideItem

M = TypeVar("M", bound=BaseModel)

SKIPPED_FIELDS = frozenset({"severity"})  # follows from the class (taxonomy.severity_for_class)
NONE = "none"  # the explicit answer "this field has no value" offered by every tool
NONE_HINT = "The article gives no value for this field"


class NoneProblem(ValueError):
    """"none" given together with other values of the same field."""


def from_tool_values(values: list[str]) -> list[str]:
    """A tool's answer for one field: ["none"] becomes [] (judged, no value); "none" beside a value is refused."""
    if NONE not in values:
        return values
    if len(values) > 1:
        raise NoneProblem(f"{NONE!r} together with {[v for v in values if v != NONE]}")
    return []


def review_fields(taxonomy: Taxonomy) -> list[TaxonomyField]:
    """The taxonomy fields a reviewer answers; severity is left out since the class decides it."""
    return [f for f in taxonomy.fields if f.key not in SKIPPED_FIELDS]


def exportable(side: Side, taxonomy: Taxonomy) -> Iterator[SideItem]:
    """The side's items whose label has a class from the taxonomy, in side order."""
    for item in side.items.values():
        if item.classification and item.classification in taxonomy.classes:
            yield item


def left_out(side: Side, taxonomy: Taxonomy) -> list[str]:
    """Why each item `exportable` skips is skipped ("a1 (failed: timeout)"), in side order, so an
    export never says "3 task(s)" for 7 labels without naming the other 4."""
    reasons = []
    for item in side.items.values():
        if item.classification and item.classification in taxonomy.classes:
            continue
        if item.classification:
            why = f"class {item.classification!r} is not in the taxonomy"
        elif item.error:
            why = f"{item.status}: {item.error}"
        else:
            why = f"{item.status}: no class"
        reasons.append(f"{item.id} ({why})")
    return reasons


def answered_fields(item: SideItem, taxonomy: Taxonomy) -> Iterator[tuple[TaxonomyField, list[str]]]:
    """Each reviewed field the label has vocabulary values for, with those values."""
    for f in review_fields(taxonomy):
        values = [v for v in item.taxonomy.get(f.key, ()) if v in f.values]
        if values:
            yield f, values


def parse_entries(raw: list[Any], model: type[M], noun: str, kind: str) -> Iterator[tuple[int, M]]:
    """Each entry of a tool's export as `model`, numbered from 1; the first that is not one is a
    `DecisionsProblem` ("task 3: not a Label Studio task (...)")."""
    for number, entry in enumerate(raw, start=1):
        try:
            yield number, model.model_validate(entry)
        except ValidationError as exc:
            raise DecisionsProblem(f"{noun} {number}: not {kind} ({validation_message(exc, limit=1, locations=False)})") from None
