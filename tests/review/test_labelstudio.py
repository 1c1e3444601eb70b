"""Label Studio round trip: tasks and config match the documented formats; the export comes back as gold.

The models below transcribe Label Studio's documented "basic Label Studio JSON format" for
pre-annotated tasks (labelstud.io/guide/predictions, /guide/task_format) and its JSON export
(tasks with `annotations[].result`), strictly: unknown keys are errors.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.review.labelstudio import SKIPPED_FIELDS

DATA = Path(__file__).resolve().parents[1] / "data" / "review"
runner = CliRunner()


class ChoicesValue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    choices: list[str]


class ResultItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = None
    from_name: str
    to_name: str
    type: Literal["choices"]
    value: ChoicesValue


class Prediction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model_version: str
    score: float | None = None
    result: list[ResultItem]


class Task(BaseModel):
    model_config = ConfigDict(extra="forbid")
    data: dict[str, str | None]
    predictions: list[Prediction]


def _export(tmp_path: Path) -> tuple[list[Task], ET.Element, list[dict[str, Any]]]:
    tasks_path, config_path = tmp_path / "tasks.json", tmp_path / "config.xml"
    result = runner.invoke(app, ["export-labelstudio", str(DATA / "labels_b.jsonl"), "--articles", str(DATA / "articles.jsonl"),
                                 "-o", str(tasks_path), "--config", str(config_path)])
    assert result.exit_code == 0, result.stderr
    raw = json.loads(tasks_path.read_text())
    return [Task.model_validate(t) for t in raw], ET.fromstring(config_path.read_text()), raw


def test_tasks_and_config_follow_the_documented_format(tmp_path: Path) -> None:
    tasks, config, _ = _export(tmp_path)
    assert len(tasks) == 6
    texts = {el.get("name"): el.get("value") for el in config.iter("Text")}
    assert texts["text"] == "$text"
    controls = {el.get("name"): el for el in config.iter("Choices")}
    taxonomy = default_taxonomy()
    assert set(controls) == {"classification"} | {f.key for f in taxonomy.fields if f.key not in SKIPPED_FIELDS}
    assert [c.get("value") for c in controls["classification"].iter("Choice")] == list(taxonomy.classes)
    assert controls["ai_principles"].get("choice") == "multiple" and controls["autonomy_level"].get("choice") == "single"
    for task in tasks:
        assert task.data["id"] and task.data["text"]
        (prediction,) = task.predictions
        assert prediction.score is not None and 0 <= prediction.score <= 1
        for item in prediction.result:
            control = controls[item.from_name]
            assert item.to_name == control.get("toName") and item.to_name in texts
            allowed = {c.get("value") for c in control.iter("Choice")}
            assert set(item.value.choices) <= allowed
    first = next(t for t in tasks if t.data["id"] == "ex-001")
    assert first.predictions[0].result[0].value.choices == ["AI Incident"]


def _annotate(raw: list[dict[str, Any]], overrides: dict[str, str]) -> list[dict[str, Any]]:
    """What Label Studio exports after an annotator accepted (or changed) each prediction."""
    out = []
    for number, task in enumerate(raw, start=1):
        result = [dict(r, origin="prediction") for r in task["predictions"][0]["result"]]
        if task["data"]["id"] in overrides:
            result[0] = {**result[0], "value": {"choices": [overrides[task["data"]["id"]]]}}
            result.append({"id": "n1", "from_name": "note", "to_name": "text", "type": "textarea", "value": {"text": ["changed"]}})
        out.append({
            "id": number, "data": task["data"], "predictions": [7], "meta": {}, "inner_id": number, "total_annotations": 2,
            "annotations": [
                {"id": 10 * number, "completed_by": 1, "result": [], "was_cancelled": True,
                 "created_at": "2025-04-01T09:00:00.000000Z", "updated_at": "2025-04-03T09:00:00.000000Z"},
                {"id": 10 * number + 1, "completed_by": {"id": 2, "email": "ann@example.org"}, "result": result,
                 "was_cancelled": False, "ground_truth": False, "lead_time": 12.5,
                 "created_at": "2025-04-02T09:00:00.000000Z", "updated_at": "2025-04-02T09:30:00.000000Z"},
            ],
        })
    return out


def test_export_annotated_in_label_studio_round_trips_to_the_same_labels(tmp_path: Path) -> None:
    _, _, raw = _export(tmp_path)
    export = tmp_path / "export.json"
    export.write_text(json.dumps(_annotate(raw, {"ex-002": "AI Hazard"})))
    gold = tmp_path / "gold.jsonl"
    result = runner.invoke(app, ["import-labelstudio", str(export), "--gold", str(gold)])
    assert result.exit_code == 0, result.stderr
    assert "6 added" in result.stderr
    rows = {json.loads(line)["id"]: json.loads(line) for line in gold.read_text().splitlines()}
    labels = {json.loads(line)["id"]: json.loads(line)["label"] for line in (DATA / "labels_b.jsonl").read_text().splitlines()}
    for key, label in labels.items():
        gold_label = rows[key]["gold"]
        expected = "AI Hazard" if key == "ex-002" else label["classification"]
        assert gold_label["classification"] == expected
        assert gold_label["taxonomy"] == {}  # every value left as pre-filled: seen, not decided
        prefilled = rows[key]["reviews"][0].get("prefilled", {})
        for field, value in prefilled.items():
            assert value == (label[field] if isinstance(label[field], list) else [label[field]])
        assert set(prefilled) == {k for k, v in label.items() if k in {f.key for f in default_taxonomy().fields} - SKIPPED_FIELDS and v}
    assert rows["ex-001"]["text"].startswith("A finance employee")
    review = rows["ex-002"]["reviews"][0]
    assert review["reviewer"] == "labelstudio:ann@example.org" and review["note"] == "changed"
    assert review["decided_at"] == "2025-04-02T09:30:00Z" and review["source"] == "labelstudio"

    again = runner.invoke(app, ["import-labelstudio", str(export), "--gold", str(gold)])
    assert again.exit_code == 0 and "6 already imported" in again.stderr


def test_unannotated_tasks_are_reported_and_foreign_exports_refused(tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    export.write_text(json.dumps([{"id": 1, "data": {"id": "ex-001", "text": "x"}, "annotations": []}]))
    result = runner.invoke(app, ["import-labelstudio", str(export), "--gold", str(tmp_path / "g.jsonl")])
    assert result.exit_code == 2
    assert "ex-001: no annotation with a classification" in result.stderr
    export.write_text(json.dumps({"tasks": []}))
    result = runner.invoke(app, ["import-labelstudio", str(export), "--gold", str(tmp_path / "g.jsonl")])
    assert result.exit_code == 2 and "expected a list of tasks" in result.stderr


def test_an_export_names_the_labels_it_leaves_out(tmp_path: Path) -> None:
    lines = (DATA / "labels_b.jsonl").read_text().splitlines()
    failed = json.loads(lines[0])
    failed.update(id="ex-failed", status="failed", label=None, error={"type": "timeout", "message": "no answer in 3 attempts"})
    failed["article"] = {**failed["article"], "id": "ex-failed"} if isinstance(failed.get("article"), dict) else failed.get("article")
    labels = tmp_path / "labels.jsonl"
    labels.write_text("\n".join([*lines, json.dumps(failed)]) + "\n")
    result = runner.invoke(app, ["export-labelstudio", str(labels), "-o", str(tmp_path / "tasks.json")])
    assert result.exit_code == 0, result.stderr
    assert len(json.loads((tmp_path / "tasks.json").read_text())) == 6
    assert "1 label(s) not exported" in result.stderr
    assert "ex-failed (failed: timeout: no answer in 3 attempts)" in result.stderr
