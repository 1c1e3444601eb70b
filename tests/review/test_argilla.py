"""Argilla round trip: records and settings match Argilla 2.x's own file formats; responses come back as gold.

The models transcribe what `rg.Record.to_dict()` / `dataset.records.to_json()` write and
`rg.Record.from_dict()` reads (suggestions keyed by question name: value, score, agent;
responses: question name -> [{value, user_id}]), and what `rg.Settings.to_json()` writes
(fields, questions with typed settings, metadata, guidelines). Unknown keys are errors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.review.labelstudio import SKIPPED_FIELDS

DATA = Path(__file__).resolve().parents[1] / "data" / "review"
runner = CliRunner()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Suggestion(Strict):
    value: str | list[str]
    score: float | None
    agent: str | None


class Record(Strict):
    id: str
    fields: dict[str, str]
    metadata: dict[str, str]
    suggestions: dict[str, Suggestion]
    responses: dict[str, list[dict[str, Any]]]
    vectors: dict[str, list[float]]
    server_id: None = Field(alias="_server_id")


class Option(Strict):
    value: str
    text: str


class LabelSettings(Strict):
    type: Literal["label_selection"]
    options: list[Option]
    visible_options: int | None


class MultiLabelSettings(Strict):
    type: Literal["multi_label_selection"]
    options: list[Option]
    visible_options: int | None
    options_order: Literal["natural", "suggestion"]


class TextSettings(Strict):
    type: Literal["text"]
    use_markdown: bool


class Question(Strict):
    name: str
    title: str
    description: str | None
    required: bool
    settings: LabelSettings | MultiLabelSettings | TextSettings = Field(discriminator="type")


class TextField(Strict):
    name: str
    title: str
    required: bool
    description: str | None
    settings: TextSettings


class TermsSettings(Strict):
    type: Literal["terms"]
    values: list[str] | None


class Metadata(Strict):
    name: str
    title: str
    settings: TermsSettings
    visible_for_annotators: bool


class Settings(Strict):
    guidelines: str | None
    questions: list[Question]
    fields: list[TextField]
    vectors: list[dict[str, Any]]
    metadata: list[Metadata]
    allow_extra_metadata: bool


def _export(tmp_path: Path) -> tuple[list[dict[str, Any]], Settings]:
    records, settings = tmp_path / "records.json", tmp_path / "settings.json"
    result = runner.invoke(app, ["export-argilla", str(DATA / "labels_b.jsonl"), "--articles", str(DATA / "articles.jsonl"),
                                 "-o", str(records), "--settings", str(settings)])
    assert result.exit_code == 0, result.stderr
    return json.loads(records.read_text()), Settings.model_validate_json(settings.read_text())


def test_records_and_settings_follow_argilla_formats(tmp_path: Path) -> None:
    raw, settings = _export(tmp_path)
    records = [Record.model_validate(r) for r in raw]
    assert len(records) == 6
    questions = {q.name: q for q in settings.questions}
    fields = {f.name for f in settings.fields}
    metadata = {m.name for m in settings.metadata}
    assert set(questions) == {"classification", "note"} | {f.key for f in default_taxonomy().fields if f.key not in SKIPPED_FIELDS}
    assert questions["classification"].required and isinstance(questions["classification"].settings, LabelSettings)
    for record in records:
        assert set(record.fields) <= fields and set(record.metadata) <= metadata
        assert record.fields["text"]
        for name, suggestion in record.suggestions.items():
            labels = {o.value for o in questions[name].settings.options}  # type: ignore[union-attr]
            values = suggestion.value if isinstance(suggestion.value, list) else [suggestion.value]
            assert set(values) <= labels
            assert isinstance(suggestion.value, list) == isinstance(questions[name].settings, MultiLabelSettings)
    assert records[0].suggestions["classification"].score == 0.9
    assert records[0].suggestions["classification"].agent


def _answer(raw: list[dict[str, Any]], user: str, overrides: dict[str, str]) -> list[dict[str, Any]]:
    """`dataset.records.to_json()`'s form after `user` submitted the suggestions (changing some), with each
    response's status (which the real `to_json` drops: tests/review/test_annotators.py has those files)."""
    out = []
    for record in raw:
        responses = {q: [{"value": s["value"], "user_id": user, "status": "submitted"}] for q, s in record["suggestions"].items()}
        if record["id"] in overrides:
            responses["classification"] = [{"value": overrides[record["id"]], "user_id": user, "status": "submitted"}]
            responses["note"] = [{"value": "not yet harmful", "user_id": user, "status": "submitted"}]
        out.append({**record, "responses": responses, "_server_id": "7f0c0d5e-0000-4000-8000-000000000001", "status": "completed"})
    return out


def test_answered_records_round_trip_to_the_same_labels(tmp_path: Path) -> None:
    raw, _ = _export(tmp_path)
    export = tmp_path / "answered.json"
    export.write_text(json.dumps(_answer(raw, "u-1", {"ex-005": "AI Hazard"})))
    gold = tmp_path / "gold.jsonl"
    result = runner.invoke(app, ["import-argilla", str(export), "--gold", str(gold)])
    assert result.exit_code == 0, result.stderr
    rows = {json.loads(line)["id"]: json.loads(line) for line in gold.read_text().splitlines()}
    labels = {json.loads(line)["id"]: json.loads(line)["label"] for line in (DATA / "labels_b.jsonl").read_text().splitlines()}
    answered = {f.key for f in default_taxonomy().fields} - SKIPPED_FIELDS
    for key, label in labels.items():
        assert rows[key]["gold"]["classification"] == ("AI Hazard" if key == "ex-005" else label["classification"])
        expected = {k: {"values": v if isinstance(v, list) else [v]} for k, v in label.items() if k in answered and v}
        assert rows[key]["gold"]["taxonomy"] == expected
    assert rows["ex-005"]["reviews"][0]["reviewer"] == "argilla:u-1" and rows["ex-005"]["reviews"][0]["note"] == "not yet harmful"

    jsonl = tmp_path / "answered.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in _answer(raw, "u-1", {"ex-005": "AI Hazard"})))
    again = runner.invoke(app, ["import-argilla", str(jsonl), "--gold", str(gold)])
    assert again.exit_code == 0 and "6 already imported" in again.stderr


def test_two_annotators_who_disagree_are_a_conflict(tmp_path: Path) -> None:
    raw, _ = _export(tmp_path)
    one, two = _answer(raw, "u-1", {}), _answer(raw, "u-2", {"ex-001": "AI Hazard"})
    for a, b in zip(one, two):
        for question, answers in b["responses"].items():
            a["responses"].setdefault(question, []).extend(answers)
    export = tmp_path / "answered.json"
    export.write_text(json.dumps(one))
    gold = tmp_path / "gold.jsonl"
    result = runner.invoke(app, ["import-argilla", str(export), "--gold", str(gold)])
    assert result.exit_code == 1
    assert "conflict: ex-001: new article, argilla:u-1 says 'AI Incident', argilla:u-2 says 'AI Hazard'" in result.stderr
    rows = {json.loads(line)["id"]: json.loads(line) for line in gold.read_text().splitlines()}
    assert "ex-001" not in rows and len(rows) == 5
    assert all([r["reviewer"] for r in row["reviews"]] == ["argilla:u-1", "argilla:u-2"] for row in rows.values())
