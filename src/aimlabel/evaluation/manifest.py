"""The eval manifest: enough to say exactly which model, prompt, schema and gold a score is about.

Tool version, git commit and package versions come from `aimlabel.core.provenance.tool_info`, the
same block a labelling run's manifest carries, so the two can be matched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aimlabel.evaluation.gold import GoldSet
from aimlabel.core.provenance import tool_info
from aimlabel.core.record import LabelRecord

MANIFEST_VERSION = "1"


def _distinct(values: Sequence[str | None]) -> list[str]:
    return sorted({v for v in values if v})


def sha256_file(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def build_manifest(
    *,
    gold: GoldSet,
    records: Sequence[LabelRecord],
    source: str,
    recording_producer: str | None,
    labels_file: Path | None = None,
    stored_run: str | None = None,
    prices: dict[str, str] | None = None,
    bootstrap: dict[str, Any] | None = None,
) -> dict[str, Any]:
    provenance = [r.provenance for r in records if r.provenance is not None]
    producers = _distinct([p.recording_producer for p in provenance])
    return {
        "manifest_version": MANIFEST_VERSION,
        **tool_info(),
        "source": source,
        "recording_producer": recording_producer or (producers[0] if len(producers) == 1 else None),
        "recording_producers_in_records": producers,
        "model_requested": _distinct([p.model_requested for p in provenance]),
        "model_served": _distinct([p.model_served for p in provenance]),
        "mode": _distinct([p.mode for p in provenance]),
        "prompt": _distinct([f"{p.prompt_id}@{p.prompt_version} {p.prompt_hash}" for p in provenance if p.prompt_hash]),
        "schema": _distinct([f"v{p.schema_version} {p.schema_hash}" for p in provenance if p.schema_hash]),
        "taxonomy_version": _distinct([p.taxonomy_version for p in provenance]),
        "gold": {"path": gold.path.name, "sha256": gold.sha256, "count": len(gold.items)},
        "labels_file": {"path": labels_file.name, "sha256": sha256_file(labels_file)} if labels_file else None,
        **({"stored_run": stored_run} if stored_run else {}),
        "prices": prices,
        "bootstrap": bootstrap,
    }


def producer_notice(manifest: dict[str, Any]) -> str:
    """The first line of every report: who wrote the answers being scored."""
    producer = manifest.get("recording_producer")
    models = ", ".join(manifest.get("model_served") or manifest.get("model_requested") or []) or "unknown"
    if producer == "fixture":
        return ("ANSWERS PRODUCED BY: fixture (a deterministic keyword heuristic, not a model). "
                "These scores test the tool, not any model.")
    if manifest.get("source") == "replay":
        return f"ANSWERS PRODUCED BY: {producer or 'unknown producer'} (replayed recording; models: {models})"
    if manifest.get("source") == "labels":
        extra = f"; recording producer {producer}" if producer else ""
        return f"ANSWERS PRODUCED BY: labels file (models: {models}{extra})"
    return f"ANSWERS PRODUCED BY: {models} (live run)"
