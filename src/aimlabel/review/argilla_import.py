"""Argilla's answered records back in, following Argilla's status model.

Argilla keeps one response per user and record, with a status: `submitted` responses become
decisions, `draft` ones are reported and not imported, `discarded` ones are ignored. Only the
flattened exports carry that status, so those are what is read:

- `dataset.records.to_list(flatten=True)` saved as a JSON list, or `to_dict(flatten=True,
  orient="index")` (an object keyed by record id);
- `dataset.records.to_datasets().to_json(PATH)` (JSONL), which is also what a dataset pushed with
  `dataset.to_hub()` holds: load it with `datasets.load_dataset(...)` and `.to_json(PATH)`.

Each question has `<q>.responses` with the parallel lists `<q>.responses.users` and
`<q>.responses.status`. `records.to_json()` / `to_list(flatten=False)` / `to_disk()` drop every
response's status, so drafts cannot be told from submitted answers there: such a file is refused
with the format to use (unless every response carries a status). No Argilla export carries the
time of a response, so decisions from Argilla have no `decided_at`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from aimlabel.core.articles import ARTICLE_FIELDS
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.review.argilla import Q_CLASS, Q_NOTE
from aimlabel.review.decisions import Decision, DecisionsProblem, parse_decision
from aimlabel.review.exports import NoneProblem, from_tool_values, review_fields

ARTICLE_KEYS = tuple(k for k in ARTICLE_FIELDS if k != "id")
USE_FLAT = ("export with `json.dump(dataset.records.to_list(flatten=True), f)` or "
            "`dataset.records.to_datasets().to_json(PATH)` (JSONL): those keep each response's status")
STATUSES = ("submitted", "draft", "discarded")


@dataclass(frozen=True)
class Answer:
    question: str
    user: str
    status: str
    value: Any


def parse_export(data: bytes) -> list[dict[str, Any]]:
    """The records of a JSON list, a JSON object keyed by record id, or JSONL."""
    if data.startswith(b"PAR1"):
        raise DecisionsProblem("a Parquet file (the Hugging Face Hub layout of `dataset.to_hub()`): load it with "
                               f"`datasets.load_dataset(...)` and save `.to_json(PATH)`, or {USE_FLAT}")
    try:
        text = data.decode("utf-8-sig").strip()
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = [json.loads(line) for line in text.splitlines() if line.strip()]
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DecisionsProblem(f"not JSON or JSONL ({exc})") from None
    if isinstance(value, dict) and ("id" in value or "fields" in value):  # JSONL of one record
        value = [value]
    elif isinstance(value, dict):  # to_dict(orient="index"): {record id: record}
        value = [{"id": key, **row} if isinstance(row, dict) else row for key, row in value.items()]
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise DecisionsProblem(f"not a list of Argilla records; {USE_FLAT}")
    return value


def _flat_answers(record: dict[str, Any], number: int) -> list[Answer]:
    answers: list[Answer] = []
    for key, values in record.items():
        if not key.endswith(".responses") or values is None:
            continue
        question = key[: -len(".responses")]
        users, statuses = record.get(f"{key}.users"), record.get(f"{key}.status")
        if not isinstance(values, list) or not isinstance(users, list) or not isinstance(statuses, list) \
                or not len(values) == len(users) == len(statuses):
            raise DecisionsProblem(f"record {number}: {key}, {key}.users and {key}.status must be lists of one length")
        answers.extend(Answer(question, str(u), str(s), v) for v, u, s in zip(values, users, statuses))
    return answers


def _nested_answers(record: dict[str, Any], number: int) -> list[Answer]:
    answers = []
    for question, given in (record.get("responses") or {}).items():
        for answer in given if isinstance(given, list) else []:
            if not isinstance(answer, dict) or answer.get("status") is None:
                raise DecisionsProblem(f"record {number}: a response without a status (the form `records.to_json()` "
                                       f"writes: drafts look like submitted answers there); {USE_FLAT}")
            answers.append(Answer(question, str(answer.get("user_id")), str(answer["status"]), answer.get("value")))
    return answers


def _article(record: dict[str, Any]) -> dict[str, str]:
    nested_fields, nested_metadata = record.get("fields"), record.get("metadata")
    fields: dict[str, Any] = nested_fields if isinstance(nested_fields, dict) else record
    metadata: dict[str, Any] = nested_metadata if isinstance(nested_metadata, dict) else record
    article = {k: str(metadata[k]) for k in ARTICLE_KEYS if metadata.get(k) not in (None, "")}
    article.update({k: fields[k] for k in ("title", "text") if isinstance(fields.get(k), str) and fields[k]})
    return article


def _as_list(value: Any, where: str, question: str) -> list[str]:
    values = [v for v in (value if isinstance(value, list) else [value]) if v not in (None, "")]
    try:
        return from_tool_values([str(v) for v in values])
    except NoneProblem as exc:
        raise DecisionsProblem(f"{where}: {question}: {exc}; choose either") from None


def decisions_from_records(raw: list[Any], taxonomy: Taxonomy | None = None) -> tuple[list[Decision], list[str]]:
    """One decision per (record, user) with a submitted classification; drafts and discards as notes."""
    taxonomy = taxonomy or default_taxonomy()
    keys = {f.key for f in review_fields(taxonomy)}
    decisions: list[Decision] = []
    notes: list[str] = []
    for number, record in enumerate(raw, start=1):
        if not isinstance(record, dict) or record.get("id") in (None, ""):
            raise DecisionsProblem(f"record {number}: no id; export records with aimlabel export-argilla")
        flat = any(k.endswith(".responses") for k in record)
        answers = _flat_answers(record, number) if flat else _nested_answers(record, number)
        unknown = sorted({a.status for a in answers} - set(STATUSES))
        if unknown:
            raise DecisionsProblem(f"record {number} ({record['id']}): unknown response status {unknown}; expected {list(STATUSES)}")
        by_user: dict[str, dict[str, Any]] = defaultdict(dict)
        for a in answers:
            if a.status == "submitted":
                by_user[a.user][a.question] = a.value
        for user in dict.fromkeys(a.user for a in answers if a.status == "draft"):
            notes.append(f"{record['id']}: a draft by argilla:{user} was never submitted; not a decision")
        for user in dict.fromkeys(a.user for a in answers if a.status == "discarded"):
            notes.append(f"{record['id']}: argilla:{user} discarded the record; not a decision")
        submitted = {u: given for u, given in by_user.items() if given.get(Q_CLASS)}
        if not submitted and not answers:
            notes.append(f"{record['id']}: no responses; skipped")
        for user, given in submitted.items():
            where = f"record {number} ({record['id']}), user {user}"
            taxonomy_answers = {k: _as_list(v, where, k) for k, v in given.items() if k in keys and v not in (None, "", [])}
            note = given.get(Q_NOTE)
            decisions.append(parse_decision({
                "id": str(record["id"]), "classification": given[Q_CLASS], "taxonomy": taxonomy_answers or None,
                "action": "annotate", "note": note if isinstance(note, str) and note.strip() else None,
                "reviewer": f"argilla:{user}", "source": "argilla", "article": _article(record),
            }, where))
    return decisions, notes
