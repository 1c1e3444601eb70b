"""The eval manifest: enough to say exactly which model, prompt, schema and gold a score is about.

Tool version, git commit and package versions are the `ToolInfo` block a labelling run's
manifest carries too, so the two can be matched.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from aimlabel.core.hashing import sha256_file
from aimlabel.core.provenance import ToolInfo, tool_info
from aimlabel.core.record import LabelRecord
from aimlabel.evaluation.gold import GoldSet

MANIFEST_VERSION = "1"
FIXTURE = "fixture"


class _Head(BaseModel):
    manifest_version: str = MANIFEST_VERSION


class FileRef(BaseModel):
    path: str
    sha256: str


class GoldRef(FileRef):
    count: int


class PricesRef(BaseModel):
    source: str
    sha256: str


class BootstrapRef(BaseModel):
    resamples: int
    seed: int
    level: float = 0.95


class EvalManifest(ToolInfo, _Head):
    """`manifest_version` first, then the tool block, then what was scored (field order is the JSON's)."""

    model_config = ConfigDict(populate_by_name=True)

    source: str
    recording_producer: str | None
    recording_producers_in_records: list[str]
    model_requested: list[str]
    model_served: list[str]
    mode: list[str]
    prompt: list[str]
    schema_: list[str] = Field(alias="schema")
    taxonomy_version: list[str]
    gold: GoldRef
    labels_file: FileRef | None = None
    stored_run: str | None = Field(default=None, exclude_if=lambda value: value is None)
    prices: PricesRef | None = None
    bootstrap: BootstrapRef | None = None


def _distinct(values: Sequence[str | None]) -> list[str]:
    return sorted({v for v in values if v})


def build_manifest(
    *,
    gold: GoldSet,
    records: Sequence[LabelRecord],
    source: str,
    recording_producer: str | None,
    labels_file: Path | None = None,
    stored_run: str | None = None,
    prices: PricesRef | None = None,
    bootstrap: BootstrapRef | None = None,
) -> EvalManifest:
    provenance = [r.provenance for r in records if r.provenance is not None]
    producers = _distinct([p.recording_producer for p in provenance])
    return EvalManifest(
        **tool_info().model_dump(),
        source=source,
        recording_producer=recording_producer or (producers[0] if len(producers) == 1 else None),
        recording_producers_in_records=producers,
        model_requested=_distinct([p.model_requested for p in provenance]),
        model_served=_distinct([p.model_served for p in provenance]),
        mode=_distinct([p.mode for p in provenance]),
        prompt=_distinct([f"{p.prompt_id}@{p.prompt_version} {p.prompt_hash}" for p in provenance if p.prompt_hash]),
        schema=_distinct([f"v{p.schema_version} {p.schema_hash}" for p in provenance if p.schema_hash]),
        taxonomy_version=_distinct([p.taxonomy_version for p in provenance]),
        gold=GoldRef(path=gold.path.name, sha256=gold.sha256, count=len(gold.items)),
        labels_file=FileRef(path=labels_file.name, sha256=sha256_file(labels_file)) if labels_file else None,
        stored_run=stored_run,
        prices=prices,
        bootstrap=bootstrap,
    )


def producer_notice(manifest: EvalManifest) -> str:
    """The first line of every report: who wrote the answers being scored."""
    producer = manifest.recording_producer
    models = ", ".join(manifest.model_served or manifest.model_requested) or "unknown"
    if producer == FIXTURE:
        return ("ANSWERS PRODUCED BY: fixture (a deterministic keyword heuristic, not a model). "
                "These scores test the tool, not any model.")
    if manifest.source == "replay":
        return f"ANSWERS PRODUCED BY: {producer or 'unknown producer'} (replayed recording; models: {models})"
    if manifest.source == "labels":
        extra = f"; recording producer {producer}" if producer else ""
        return f"ANSWERS PRODUCED BY: labels file (models: {models}{extra})"
    return f"ANSWERS PRODUCED BY: {models} (live run)"
