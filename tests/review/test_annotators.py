"""Real Label Studio 1.23.2 and Argilla 2.8.0 exports of one two-reviewer scenario into gold.

The files in tests/data/annotators were written by the tools themselves (see its README): two
reviewers disagree on ex-001, one edits their own answer on ex-002, a skip, a draft, a discard
and a cleared field. Every reviewer must survive the import, the edit must supersede and not
conflict, and gold may change only by the stated policy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aimlabel.cli import app

DATA = Path(__file__).resolve().parents[1] / "data" / "annotators"
LS = DATA / "labelstudio"
AR = DATA / "argilla"
ARTICLES = Path(__file__).resolve().parents[2] / "src" / "aimlabel" / "examples" / "articles.jsonl"
runner = CliRunner()
U1, U2, U3 = "labelstudio:1", "labelstudio:2", "labelstudio:3"
A, B = "argilla:ce9b764d-1fb0-5998-8d45-4a8657014b03", "argilla:a8ae3399-d20a-5571-8a94-a970e69f9bee"


def _seed_gold(tmp_path: Path) -> Path:
    """A gold file holding the five articles with a label from elsewhere (as AIID-mapped gold would be)."""
    gold = tmp_path / "gold.jsonl"
    lines = []
    for line in ARTICLES.read_text().splitlines():
        article = json.loads(line)
        lines.append(json.dumps({**article, "gold": {"classification": "Unrelated", "taxonomy": {}}, "origin": "seed"}))
    gold.write_text("\n".join(lines) + "\n")
    return gold


def _rows(gold: Path) -> dict[str, dict[str, Any]]:
    return {json.loads(line)["id"]: json.loads(line) for line in gold.read_text().splitlines()}


def _import(command: str, export: Path, gold: Path, *options: str) -> Any:
    return runner.invoke(app, [command, str(export), "--gold", str(gold), *options])


def test_label_studio_two_reviewers_an_edit_a_skip_and_a_draft(tmp_path: Path) -> None:
    gold = _seed_gold(tmp_path)
    first = _import("import-labelstudio", LS / "before-edit" / "export-all.json", gold)
    assert first.exit_code == 1, first.stderr  # ex-001: a conflict the unanimous policy leaves open
    assert f"reviewers: {U1}, {U2}, {U3}" in first.stderr
    assert f"conflict: ex-001: {U1} says 'AI Incident', {U2} says 'AI Hazard'; gold keeps 'Unrelated'" in first.stderr
    assert "ex-003: annotation 4 by labelstudio:2 was skipped; not a decision" in first.stderr
    assert "ex-004: a draft by labelstudio:u2-1796173631@example.org was never submitted" in first.stderr
    rows = _rows(gold)
    assert [r["reviewer"] for r in rows["ex-001"]["reviews"]] == [U1, U2]  # both kept
    assert rows["ex-001"]["gold"]["classification"] == "Unrelated"  # unresolved: unchanged
    assert rows["ex-001"]["adjudication"]["open"] == ["classification"]
    assert rows["ex-002"]["gold"]["classification"] == "AI Hazard"
    assert "ex-004" not in {k for k, v in rows.items() if v.get("reviews")}

    second = _import("import-labelstudio", LS / "export-all.json", gold)
    assert second.exit_code == 1, second.stderr
    assert (f"edit: ex-002: {U1}'s 'AI Incident' (2026-12-02T01:07:14.691735Z) supersedes their 'AI Hazard' "
            "(2026-12-02T01:07:12.186254Z)") in second.stderr
    assert "conflict: ex-002" not in second.stderr  # one's own edit is not a conflict
    assert second.stderr.count("conflict:") == 1
    assert "1 changed" in second.stderr and "4 already imported" in second.stderr and "1 superseding edit(s)" in second.stderr
    assert f"{U1} vs {U2}: 1 item(s), 0 agree, Cohen's kappa" in second.stderr
    rows = _rows(gold)
    ex2 = rows["ex-002"]
    assert ex2["gold"]["classification"] == "AI Incident"
    assert [r["classification"] for r in ex2["reviews"]] == ["AI Hazard", "AI Incident"]
    assert ex2["reviews"][1]["supersedes"] == {"decided_at": "2026-12-02T01:07:12.186254Z", "classification": "AI Hazard"}
    assert ex2["reviews"][1]["annotation_id"] == ex2["reviews"][0]["annotation_id"] == "3"
    assert ex2["reviews"][1]["origin"]["classification"] == "prediction-changed"

    ex3 = rows["ex-003"]  # u1 added harm_types by hand and left the rest as pre-filled
    assert ex3["gold"]["taxonomy"] == {"harm_types": {"values": ["Public interest"]}}
    (review,) = ex3["reviews"]
    assert review["origin"]["harm_types"] == "manual" and review["origin"]["industries"] == "prediction"
    assert "industries" in review["prefilled"] and "industries" not in review.get("taxonomy", {})

    written = gold.read_text()
    again = _import("import-labelstudio", LS / "export-all.json", gold)
    assert "5 already imported" in again.stderr and "0 changed" in again.stderr
    assert gold.read_text() == written  # importing twice changes nothing

    adjudicated = _import("import-labelstudio", LS / "export-all.json", gold, "--adjudicator", U2)
    assert adjudicated.exit_code == 0, adjudicated.stderr
    assert _rows(gold)["ex-001"]["gold"]["classification"] == "AI Hazard"


def test_a_new_gold_file_gets_only_what_the_policy_decides(tmp_path: Path) -> None:
    gold = tmp_path / "new.jsonl"
    result = _import("import-labelstudio", LS / "export-all.json", gold)
    assert result.exit_code == 1
    assert "conflict: ex-001: new article" in result.stderr
    assert "ex-001" not in _rows(gold)
    majority = _import("import-labelstudio", LS / "export-all.json", tmp_path / "m.jsonl", "--policy", "majority")
    assert majority.exit_code == 1  # one against one: no majority either
    bad = _import("import-labelstudio", LS / "export-all.json", gold, "--policy", "loudest")
    assert bad.exit_code == 2 and "--policy must be one of unanimous, majority" in bad.stderr


def test_label_studio_reviewers_by_email_from_the_expanded_snapshot(tmp_path: Path) -> None:
    gold = _seed_gold(tmp_path)
    _import("import-labelstudio", LS / "snapshot-users-expanded.json", gold)
    reviewers = {r["reviewer"] for row in _rows(gold).values() for r in row.get("reviews", [])}
    assert "labelstudio:ci@example.org" in reviewers


@pytest.mark.parametrize(("name", "kind"), [("export-all.min.json", "JSON_MIN"), ("export.csv", "CSV"),
                                            ("export.tsv", "TSV"), ("export.doclang", "ZIP archive")])
def test_label_studio_other_formats_are_refused_naming_json(tmp_path: Path, name: str, kind: str) -> None:
    result = _import("import-labelstudio", LS / name, tmp_path / "g.jsonl")
    assert result.exit_code == 2
    assert kind in result.stderr and "export the project as JSON instead" in result.stderr
    assert not (tmp_path / "g.jsonl").exists()


def test_none_is_a_decision_and_none_beside_a_value_is_refused(tmp_path: Path) -> None:
    gold = _seed_gold(tmp_path)
    result = _import("import-labelstudio", LS / "none-choice" / "export-all.json", gold)
    row = _rows(gold)["ex-005"]
    assert row["gold"]["taxonomy"]["ai_principles"] == {"values": []}, result.stderr
    assert row["reviews"][-1]["taxonomy"]["ai_principles"] == []

    raw = json.loads((LS / "none-choice" / "export-all.json").read_text())
    for task in raw:
        for annotation in task["annotations"]:
            for r in annotation["result"]:
                if r["from_name"] == "ai_principles" and r["value"]["choices"] == ["none"]:
                    r["value"]["choices"] = ["none", "Safety"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(raw))
    refused = _import("import-labelstudio", bad, tmp_path / "g.jsonl")
    assert refused.exit_code == 2
    assert "ai_principles: 'none' together with ['Safety']; choose either" in refused.stderr


def test_the_real_editor_result_keeps_origin(tmp_path: Path) -> None:
    gold = _seed_gold(tmp_path)
    result = _import("import-labelstudio", LS / "ui-editor-export.json", gold)
    assert result.exit_code == 0, result.stderr
    (review,) = _rows(gold)["ex-001"]["reviews"]
    assert review["classification"] == "AI Hazard" and review["origin"]["classification"] == "prediction-changed"
    assert review["taxonomy"] == {"autonomy_level": ["Low-action autonomy (human-in-the-loop)"]}
    assert "ai_principles" not in review["taxonomy"] and "ai_principles" not in review["prefilled"]  # cleared: no answer


@pytest.mark.parametrize("name", ["records.to_list-flatten-true.json", "records.to_dict-flatten-true-orient-index.json",
                                  "records.to_datasets.jsonl"])
def test_argilla_flattened_exports_follow_the_status_model(tmp_path: Path, name: str) -> None:
    gold = _seed_gold(tmp_path)
    result = _import("import-argilla", AR / name, gold)
    assert result.exit_code == 1, result.stderr
    assert f"ex-002: a draft by {A} was never submitted; not a decision" in result.stderr
    assert f"ex-003: {B} discarded the record; not a decision" in result.stderr
    assert f"conflict: ex-001: {A} says 'AI Incident', {B} says 'AI Hazard'" in result.stderr
    assert result.stderr.count("conflict:") == 1
    rows = _rows(gold)
    assert "reviews" not in rows["ex-002"] and rows["ex-002"]["gold"]["classification"] == "Unrelated"
    assert [r["reviewer"] for r in rows["ex-003"]["reviews"]] == [A]
    assert [r["reviewer"] for r in rows["ex-005"]["reviews"]] == [A, B]
    assert rows["ex-005"]["gold"]["classification"] == "AI Incident"
    assert rows["ex-001"]["reviews"][1]["note"] == "no loss yet in my reading"
    assert "Krippendorff's alpha" in result.stderr


@pytest.mark.parametrize(("name", "message"), [
    ("records.to_json.json", "a response without a status"),
    ("to_hub-train.parquet", "a Parquet file"),
])
def test_argilla_exports_without_status_are_refused_naming_the_format(tmp_path: Path, name: str, message: str) -> None:
    result = _import("import-argilla", AR / name, tmp_path / "g.jsonl")
    assert result.exit_code == 2
    assert message in result.stderr and "to_list(flatten=True)" in result.stderr and "to_datasets().to_json" in result.stderr


def test_agreement_command_reads_the_gold_reviews(tmp_path: Path) -> None:
    gold = _seed_gold(tmp_path)
    _import("import-argilla", AR / "records.to_datasets.jsonl", gold)
    text = runner.invoke(app, ["agreement", str(gold), "--model", str(DATA / "labels.jsonl")])
    assert text.exit_code == 0, text.stderr
    assert text.stdout.splitlines()[0] == "agreement in gold.jsonl: 2 reviewer(s) on 3 item(s); model: labels.jsonl"
    report = json.loads(runner.invoke(app, ["agreement", str(gold), "--model", str(DATA / "labels.jsonl"), "--json"]).stdout)
    cls = report["questions"][0]
    assert cls["question"] == "classification" and cls["raters"] == 2 and cls["items"] == 2
    (pair,) = cls["pairs"]
    assert (pair["a"], pair["b"], pair["items"], pair["agreed"]) == (A, B, 2, 1)
    assert {(m["b"], m["items"], m["agreed"]) for m in cls["model"]} == {(A, 3, 3), (B, 2, 1)}
    empty = _seed_gold(tmp_path / "x") if (tmp_path / "x").mkdir() is None else None
    assert empty is not None
    none = runner.invoke(app, ["agreement", str(empty)])
    assert none.exit_code == 2 and "no reviewer decisions" in none.stderr
