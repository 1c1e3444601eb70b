"""The AIM taxonomy and OECD definitions, loaded from `schemas/taxonomy.json`.

The vocabulary is data, not code: the response model, the prompt and the rule check all read
it from here, so adding a value to the JSON file needs no code change.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from aimlabel.core.resources import data_dir


class TaxonomyField(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    label: str
    multi: bool
    description: str
    values: tuple[str, ...]


class Taxonomy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    taxonomy_version: str
    provenance: str
    classes: tuple[str, ...]
    severity_for_class: dict[str, str | None]
    definitions: dict[str, str]
    fields: tuple[TaxonomyField, ...]

    def field(self, key: str) -> TaxonomyField:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(f"unknown taxonomy field {key!r}; known: {[f.key for f in self.fields]}")


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read a taxonomy file; the packaged one when `path` is None."""
    if path is None:
        return default_taxonomy()
    return Taxonomy.model_validate(json.loads(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    return Taxonomy.model_validate(
        json.loads((data_dir("schemas") / "taxonomy.json").read_text(encoding="utf-8"))
    )
