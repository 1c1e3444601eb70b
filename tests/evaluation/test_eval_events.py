"""Event-level scoring in `aimlabel eval`: where gold lines carry event_id, each event's class
(decided from the labels by the event rules) against gold's event class."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from aimlabel.cli import app

runner = CliRunner()


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _gold(article: str, event: str | None, cls: str) -> dict[str, Any]:
    row: dict[str, Any] = {"id": article, "title": f"Story {article}", "gold": {"classification": cls}, "origin": "written-for-tests"}
    if event:
        row["event_id"] = event
    return row


GOLD = [
    _gold("a1", "ev-a", "AI Incident"), _gold("a2", "ev-a", "AI Incident"), _gold("a3", "ev-a", "AI Incident"),
    _gold("b1", "ev-b", "AI Hazard"), _gold("b2", "ev-b", "AI Hazard"),
    _gold("c1", "ev-c", "AI Hazard"), _gold("c2", "ev-c", "Complementary Information"),
    _gold("d1", "ev-d", "AI Incident"),
    _gold("x1", None, "Unrelated"),
]
LABELS = [
    {"id": "a1", "classification": "AI Incident"}, {"id": "a2", "classification": "AI Incident"}, {"id": "a3", "classification": "AI Hazard"},
    {"id": "b1", "classification": "AI Incident"}, {"id": "b2", "classification": "AI Incident", "event_id": "somewhere-else"},
    {"id": "c2", "classification": "AI Hazard"},
    {"id": "x1", "classification": "Unrelated"},
]


def test_event_classes_are_scored_against_gold_events(tmp_path: Path) -> None:
    gold, labels = _write(tmp_path / "gold.jsonl", GOLD), _write(tmp_path / "labels.jsonl", LABELS)
    result = runner.invoke(app, ["eval", "--gold", str(gold), "--labels", str(labels), "--format", "json", "--resamples", "0"])
    assert result.exit_code == 0, result.stderr
    events = json.loads(result.stdout)["events"]
    assert (events["events"], events["articles"]) == (4, 8)
    rows = {e["event_id"]: (e["gold"], e["predicted"], e["predicted_counts"]) for e in events["per_event"]}
    assert rows == {
        "ev-a": ("AI Incident", "AI Incident", {"AI Incident": 2, "AI Hazard": 1}),
        "ev-b": ("AI Hazard", "AI Incident", {"AI Incident": 2}),  # gold's event_id groups them, not the label's
        "ev-c": ("AI Hazard", "AI Hazard", {"AI Hazard": 1}),  # c1 has no label: the event is decided by c2
        "ev-d": ("AI Incident", "(no label)", {}),  # no label at all: counts against the score
    }
    c = events["classification"]
    assert (c["n"], c["accuracy"]) == (4, 0.5)
    assert events["rule"].startswith("events are gold's event_id groups")


def test_the_text_report_has_an_events_part_and_gold_without_event_ids_has_none(tmp_path: Path) -> None:
    gold, labels = _write(tmp_path / "gold.jsonl", GOLD), _write(tmp_path / "labels.jsonl", LABELS)
    text = runner.invoke(app, ["eval", "--gold", str(gold), "--labels", str(labels), "--resamples", "0"])
    assert text.exit_code == 0, text.stderr
    assert "Events (gold event_id): 4 events of 8 articles" in text.stdout
    assert "event class accuracy  0.500" in text.stdout
    html = tmp_path / "report.html"
    runner.invoke(app, ["eval", "--gold", str(gold), "--labels", str(labels), "--resamples", "0", "--html", str(html)])
    assert "<h2>Events</h2>" in html.read_text(encoding="utf-8")

    plain = _write(tmp_path / "plain.jsonl", [{k: v for k, v in row.items() if k != "event_id"} for row in GOLD])
    report = json.loads(runner.invoke(app, ["eval", "--gold", str(plain), "--labels", str(labels), "--format", "json",
                                            "--resamples", "0"]).stdout)
    assert "events" not in report
