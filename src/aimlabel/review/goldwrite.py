"""Reviewer decisions into a gold file, keeping every decision of every reviewer.

Each gold item gets a `reviews` list (append-only, oldest first): every decision imported, by
any reviewer, with `previous` (what gold said before it). A reviewer's later decision
`supersedes` their own earlier one. The item's `gold` is then what the policy makes of the
reviewers' current decisions (`review.adjudicate`), and `adjudication` records how; what the
policy leaves open is a conflict: gold keeps its label, the conflict is reported (exit 1), and
the decisions stay in `reviews`. A decision identical to one already imported is skipped, so
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
from aimlabel.review.adjudicate import Outcome, Rule, adjudicate, current_reviews, is_later
from aimlabel.review.decisions import Decision


@dataclass
class ImportReport:
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    written: bool = False

    def summary(self) -> str:
        return (f"{len(self.reviewers)} reviewer(s); {len(self.changed)} changed, {len(self.added)} added, "
                f"{len(self.confirmed)} confirmed, {len(self.duplicates)} already imported, "
                f"{len(self.superseded)} superseding edit(s), {len(self.conflicts)} conflict(s), {len(self.skipped)} skipped")


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _review_entry(d: Decision, imported_at: str, previous: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "reviewer": d.reviewer, "decided_at": _iso(d.decided_at), "imported_at": imported_at, "source": d.source,
        "action": d.action, "classification": d.classification,
    }
    optional = {"taxonomy": d.taxonomy, "prefilled": d.prefilled, "origin": d.origin, "note": d.note,
                "review_id": d.review_id, "annotation_id": d.annotation_id, "created_at": _iso(d.created_at)}
    entry.update({k: v for k, v in optional.items() if v not in (None, "", {})})
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


def _gold_values(obj: dict[str, Any], key: str) -> list[str] | None:
    value = obj["gold"].get("taxonomy", {}).get(key)
    if value is None:
        return None
    if isinstance(value, dict):
        return list(value.get("values") or [])
    return [value] if isinstance(value, str) else list(value)


def _snapshot(obj: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"classification": obj["gold"].get("classification")}
    if keys:
        out["taxonomy"] = {k: _gold_values(obj, k) for k in keys}
    return out


def _new_item(d: Decision) -> dict[str, Any]:
    article = d.article.model_dump(exclude_none=True, exclude={"id"}) if d.article else {}
    return {"id": d.id, **article, "gold": {"classification": None, "taxonomy": {}}, "origin": "review",
            "provenance": {"source": f"reviewer decision ({d.source}) imported by aimlabel review"}, "licence": None}


def _said(answers: dict[str, Any]) -> str:
    return ", ".join(f"{who} says {value!r}" for who, value in answers.items())


def _settle(key: str, obj: dict[str, Any], outcome: Outcome, rule: Rule, imported_at: str, report: ImportReport) -> bool:
    """Put the outcome into the item's gold; True when gold changed. Open questions go to `report.conflicts`."""
    gold = obj["gold"]
    changed = False
    if outcome.classification is not None:
        changed = gold.get("classification") != outcome.classification
        gold["classification"] = outcome.classification
    else:
        report.conflicts.append(f"{key}: {_said(outcome.reviewers)}; gold keeps {gold.get('classification')!r} "
                                f"(policy {rule.describe()}: use --policy majority or --adjudicator REVIEWER)")
    taxonomy = gold.setdefault("taxonomy", {})
    for field_key, values in outcome.taxonomy.items():
        changed = changed or _gold_values(obj, field_key) != values
        taxonomy[field_key] = {"values": values}
    for field_key, answers in outcome.open_fields.items():
        report.conflicts.append(f"{key}: {field_key}: {_said(answers)}; gold keeps {_gold_values(obj, field_key)!r} "
                                f"(policy {rule.describe()})")
    still_open = (["classification"] if outcome.disagrees else []) + sorted(outcome.open_fields)
    adjudication = {"policy": rule.describe(), "reviewers": outcome.reviewers, "decided_by": outcome.decided_by or None,
                    "open": still_open}
    earlier = {k: v for k, v in (obj.get("adjudication") or {}).items() if k != "at"}
    if earlier != adjudication:
        obj["adjudication"] = {**adjudication, "at": imported_at}
    return changed


def import_decisions(gold_path: Path, decisions: list[Decision], *, rule: Rule | None = None,
                     now: datetime | None = None) -> ImportReport:
    """Apply `decisions` to the gold file (created when missing); see the module docstring."""
    rule = rule or Rule()
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
    report = ImportReport(reviewers=list(dict.fromkeys(d.reviewer for d in decisions)))
    appended: set[str] = set()
    present: dict[str, None] = {}
    new_ids: set[str] = set()
    for d in decisions:
        obj = objects.get(d.id)
        if obj is None:
            if d.article is None or not (d.article.title or d.article.text):
                report.skipped.append(f"{d.id}: not in the gold file and the decision carries no article text to add it")
                continue
            obj = objects[d.id] = _new_item(d)
            new_ids.add(d.id)
        present[d.id] = None
        reviews = obj.setdefault("reviews", [])
        if any(isinstance(r, dict) and _same_decision(r, d) for r in reviews):
            report.duplicates.append(d.id)
            continue
        entry = _review_entry(d, imported_at, _snapshot(obj, list(d.taxonomy or {})))
        mine = current_reviews(reviews).get(d.reviewer)
        if mine is not None:
            if is_later(entry, mine):
                entry["supersedes"] = {"decided_at": mine.get("decided_at"), "classification": mine.get("classification")}
                report.superseded.append(f"{d.id}: {d.reviewer}'s {d.classification!r} ({entry['decided_at'] or 'no time'}) "
                                         f"supersedes their {mine.get('classification')!r} ({mine.get('decided_at') or 'no time'})")
            else:
                report.superseded.append(f"{d.id}: {d.reviewer}'s {d.classification!r} ({entry['decided_at']}) is older than "
                                         f"their current {mine.get('classification')!r}; kept as history")
        reviews.append(entry)
        appended.add(d.id)
    touched: list[str] = []
    for key in present:
        obj = objects[key]
        outcome = adjudicate(obj["reviews"], rule)
        if key in new_ids and outcome.classification is None:
            report.conflicts.append(f"{key}: new article, {_said(outcome.reviewers)}; not added to gold "
                                    f"(policy {rule.describe()}: use --policy majority or --adjudicator REVIEWER)")
            continue
        before = json.dumps(obj, sort_keys=True)
        changed = _settle(key, obj, outcome, rule, imported_at, report)
        if key in new_ids:
            report.added.append(key)
        elif changed:
            report.changed.append(key)
        elif key in appended and outcome.classification is not None and not outcome.open_fields:
            report.confirmed.append(key)
        if key in appended or json.dumps(obj, sort_keys=True) != before:
            touched.append(key)
    if not touched:
        return report
    out = list(lines)
    for key in touched:
        if key in line_of:
            out[line_of[key]] = json.dumps(objects[key], ensure_ascii=False)
    out.extend(json.dumps(objects[key], ensure_ascii=False) for key in touched if key not in line_of)
    # Checked to read as gold before it replaces the file: a bad write never lands.
    write_text_atomic(gold_path, "".join(line + "\n" for line in out), check=load_gold)
    report.written = True
    return report
