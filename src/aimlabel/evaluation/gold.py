"""Gold labels: what a human said about an article, in a file that is also an article file.

Each JSONL line carries the article at the top level (id, title, text, ...) so the same file
feeds `aimlabel label` and the pipeline, and its gold label under `gold`. A taxonomy field in
gold is judged only where a human (or a documented mapping) actually decided it: a field left
out is not scored, and `scope` limits a field to the vocabulary values the gold judged (the
AIID mapping can say whether someone died, but not every harm type). See eval/README.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from aimlabel.core.articles import ArticleFields
from aimlabel.core.hashing import sha256_bytes
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.core.validation import validation_message


class GoldProblem(ValueError):
    """The gold file cannot be used; the message names the line."""


class GoldField(BaseModel):
    """The gold values of one taxonomy field; `scope` None means the whole vocabulary was judged."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    values: tuple[str, ...]
    scope: tuple[str, ...] | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, data: Any) -> Any:
        if isinstance(data, (list, tuple)):
            return {"values": data}
        if isinstance(data, str) or data is None:
            return {"values": [] if data is None else [data]}
        return data


class GoldLabel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    classification: str
    taxonomy: dict[str, GoldField] = Field(default_factory=dict)


class GoldItem(ArticleFields):
    """A gold line: the article's fields at the top level, its label under `gold`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    gold: GoldLabel
    origin: str
    provenance: dict[str, Any] = Field(default_factory=dict)
    licence: str | None = None


@dataclass(frozen=True)
class GoldSet:
    path: Path
    items: list[GoldItem]
    sha256: str

    @property
    def by_id(self) -> dict[str, GoldItem]:
        return {item.id: item for item in self.items}


def _check(item: GoldItem, taxonomy: Taxonomy, vocabularies: dict[str, frozenset[str]], where: str) -> None:
    if item.gold.classification not in taxonomy.classes:
        raise GoldProblem(f"{where}: classification {item.gold.classification!r} is not one of {list(taxonomy.classes)}")
    for key, gold_field in item.gold.taxonomy.items():
        if key not in vocabularies:
            raise GoldProblem(f"{where}: unknown taxonomy field {key!r}; known: {sorted(vocabularies)}")
        vocabulary = vocabularies[key]
        for value in (*gold_field.values, *(gold_field.scope or ())):
            if value not in vocabulary:
                raise GoldProblem(f"{where}: {key} value {value!r} is not in the AIM vocabulary (schemas/taxonomy.json)")
        if gold_field.scope is not None and not set(gold_field.values) <= set(gold_field.scope):
            raise GoldProblem(f"{where}: {key} values must lie inside its scope")


def load_gold(path: Path, taxonomy: Taxonomy | None = None) -> GoldSet:
    """Read and check a gold JSONL file; every problem is fatal, since a bad gold poisons every score."""
    taxonomy = taxonomy or default_taxonomy()
    vocabularies = {f.key: frozenset(f.values) for f in taxonomy.fields}
    data = path.read_bytes()
    items: list[GoldItem] = []
    seen: set[str] = set()
    for number, line in enumerate(data.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            item = GoldItem.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            raise GoldProblem(f"{where}: not JSON: {exc.msg}") from None
        except ValidationError as exc:
            raise GoldProblem(f"{where}: {validation_message(exc, limit=1)}") from None
        _check(item, taxonomy, vocabularies, where)
        if item.id in seen:
            raise GoldProblem(f"{where}: duplicate id {item.id!r}")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise GoldProblem(f"{path}: no gold items")
    return GoldSet(path=path, items=items, sha256=sha256_bytes(data))
