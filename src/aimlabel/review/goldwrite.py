"""Reviewer decisions into a gold file, keeping every earlier decision.

Each gold item gets a `reviews` list (append-only, oldest first); its last entry is the
decision the item's `gold` now reflects, and each entry keeps `previous`, what gold said before
it. A decision that differs from the item's last *reviewed* decision is a conflict: the whole
import is refused (nothing written) unless `overwrite`, which applies it and still keeps the
earlier review in the list. A decision identical to one already imported is skipped, so
importing the same file twice changes nothing. Lines not touched are written back byte for
byte; the result is checked with the evaluation's gold loader before it replaces the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aimlabel.core.atomic import write_text_atomic
from aimlabel.evaluation.gold import load_gold
from aimlabel.review.decisions import Decision


@dataclass
class ImportReport:
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    written: bool = False

    def summary(self) -> str:
        return (f"{len(self.changed)} changed, {len(self.added)} added, {len(self.confirmed)} confirmed, "
                f"{len(self.duplicates)} already imported, {len(self.conflicts)} conflict(s), {len(self.skipped)} skipped")


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _review_entry(d: Decision, imported_at: str, previous: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "reviewer": d.reviewer, "decided_at": _iso(d.decided_at), "imported_at": imported_at, "source": d.source,
        "action": d.action, "classification": d.classification,
    }
    if d.taxonomy:
        entry["taxonomy"] = d.taxonomy
    if d.note:
        entry["note"] = d.note
    if d.review_id:
        entry["review_id"] = d.review_id
    compared = {k: s.model_dump() for k, s in (("left", d.left), ("right", d.right)) if s is not None}
    if compared:
        entry["compared"] = compared
    entry["previous"] = previous
    return entry


_SAME_KEYS = ("reviewer", "decided_at", "source", "classification", "taxonomy", "note")


def _same_decision(review: dict[str, Any], d: Decision) -> bool:
    mine = {"reviewer": d.reviewer, "decided_at": _iso(d.decided_at), "source": d.source,
            "classification": d.classification, "taxonomy": d.taxonomy or None, "note": d.note or None}
    return all(review.get(k) == mine[k] for k in _SAME_KEYS)


def _differs(review: dict[str, Any], d: Decision) -> bool:
    if review.get("classification") != d.classification:
        return True
    earlier = review.get("taxonomy") or {}
    return any(set(earlier[k]) != set(v) for k, v in (d.taxonomy or {}).items() if k in earlier)


def _gold_values(obj: dict[str, Any], key: str) -> list[str] | None:
    value = obj["gold"].get("taxonomy", {}).get(key)
    if value is None:
        return None
    if isinstance(value, dict):
        return list(value.get("values") or [])
    return [value] if isinstance(value, str) else list(value)


def _new_item(d: Decision) -> dict[str, Any]:
    article = d.article.model_dump(exclude_none=True, exclude={"id"}) if d.article else {}
    return {"id": d.id, **article, "gold": {"classification": d.classification, "taxonomy": {}}, "origin": "review",
            "provenance": {"source": f"reviewer decision ({d.source}) imported by aimlabel review"}, "licence": None}


def _apply(obj: dict[str, Any], d: Decision, imported_at: str) -> bool:
    """Set the gold label from the decision and append the review; True when the label changed."""
    gold = obj["gold"]
    previous: dict[str, Any] = {"classification": gold.get("classification")}
    changed = gold.get("classification") != d.classification
    if d.taxonomy:
        previous["taxonomy"] = {k: _gold_values(obj, k) for k in d.taxonomy}
        taxonomy = gold.setdefault("taxonomy", {})
        for key, values in d.taxonomy.items():
            changed = changed or _gold_values(obj, key) != values
            taxonomy[key] = {"values": values}
    gold["classification"] = d.classification
    obj.setdefault("reviews", []).append(_review_entry(d, imported_at, previous))
    return bool(changed)


def import_decisions(gold_path: Path, decisions: list[Decision], *, overwrite: bool = False,
                     now: datetime | None = None) -> ImportReport:
    """Apply `decisions` to the gold file (created when missing); see the module docstring."""
    imported_at = _iso(now or datetime.now(UTC)) or ""
    lines: list[str] = []
    objects: dict[str, dict[str, Any]] = {}
    line_of: dict[str, int] = {}
    if gold_path.exists():
        load_gold(gold_path)
        lines = gold_path.read_text(encoding="utf-8").splitlines()
        for number, text in enumerate(lines):
            if text.strip():
                obj = json.loads(text)
                objects[str(obj["id"])] = obj
                line_of[str(obj["id"])] = number
    report = ImportReport()
    touched: set[str] = set()
    added: list[str] = []
    for d in decisions:
        obj = objects.get(d.id)
        if obj is None:
            if d.article is None or not (d.article.title or d.article.text):
                report.skipped.append(f"{d.id}: not in the gold file and the decision carries no article text to add it")
                continue
            obj = objects[d.id] = _new_item(d)
            added.append(d.id)
        reviews = obj.get("reviews") or []
        if any(isinstance(r, dict) and _same_decision(r, d) for r in reviews):
            report.duplicates.append(d.id)
            continue
        last = reviews[-1] if reviews and isinstance(reviews[-1], dict) else None
        if last is not None and _differs(last, d) and not overwrite:
            report.conflicts.append(
                f"{d.id}: already reviewed as {last.get('classification')!r} by {last.get('reviewer')} "
                f"({last.get('decided_at') or last.get('imported_at')}); this decision says {d.classification!r} by {d.reviewer}"
            )
            continue
        changed = _apply(obj, d, imported_at)
        touched.add(d.id)
        if d.id in added:
            continue
        (report.changed if changed or (last is not None and _differs(last, d)) else report.confirmed).append(d.id)
    report.added = [i for i in added if i in touched]
    if report.conflicts or not touched:
        return report
    out = list(lines)
    for key in touched:
        if key in line_of:
            out[line_of[key]] = json.dumps(objects[key], ensure_ascii=False)
    out.extend(json.dumps(objects[key], ensure_ascii=False) for key in report.added)
    # Checked to read as gold before it replaces the file: a bad write never lands.
    write_text_atomic(gold_path, "".join(line + "\n" for line in out), check=load_gold)
    report.written = True
    return report
