"""`aimlabel label` as a user runs it: exit codes, stdout data, stderr diagnostics."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.core.resources import examples_dir
from conftest import example_answers

runner = CliRunner()


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_example_prints_labels_offline() -> None:
    result = runner.invoke(app, ["label", "--example"])
    assert result.exit_code == 0, result.stderr
    records = _lines(result.stdout)
    answers = example_answers()
    assert [r["id"] for r in records] == list(answers)
    assert [r["label"] for r in records] == list(answers.values())
    assert {r["provenance"]["recording_producer"] for r in records} == {"fixture"}
    assert {r["provenance"]["source"] for r in records} == {"replay"}
    assert "5 articles: 5 ok, 0 failed; 5 asked now;" in result.stderr
    assert "ex-002\tAI Hazard" in result.stderr
    assert "aimlabel" not in result.stdout.split("\n")[0][:20]


def test_example_replay_is_identical_every_time(tmp_path: Path) -> None:
    out_a, out_b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert runner.invoke(app, ["label", "--example", "-o", str(out_a), "-q"]).exit_code == 0
    assert runner.invoke(app, ["label", "--example", "-o", str(out_b), "-q"]).exit_code == 0
    assert out_a.read_bytes() == out_b.read_bytes()
    assert len(out_a.read_text().splitlines()) == 5


def test_bad_input_lines_are_reported_and_the_rest_labelled(tmp_path: Path) -> None:
    good = (examples_dir() / "articles.jsonl").read_text().splitlines()
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join([good[0], "{broken json", good[1], '{"id": "empty"}']) + "\n")
    result = runner.invoke(app, ["label", str(path), "--replay", str(examples_dir() / "recordings")])
    assert result.exit_code == 1
    records = _lines(result.stdout)
    assert [(r["id"], r["status"]) for r in records] == [
        ("ex-001", "ok"), (f"{path}:2", "failed"), ("ex-002", "ok"), ("empty", "failed")]
    assert records[1]["error"]["type"] == "invalid_input"
    assert f"{path}:2: skipped: not JSON" in result.stderr
    assert f"{path}:4: skipped: article has neither a title nor a text" in result.stderr
    assert "4 articles: 2 ok, 2 failed (2 unreadable input lines); 2 asked now, 2 not sent;" in result.stderr


def test_missing_recording_names_the_article(tmp_path: Path) -> None:
    path = tmp_path / "new.jsonl"
    path.write_text('{"id": "fresh-1", "title": "Unseen story"}\n')
    result = runner.invoke(app, ["label", str(path), "--replay", str(examples_dir() / "recordings")])
    assert result.exit_code == 1
    assert "FAILED replay_missing: no recording for article 'fresh-1'" in result.stderr


def test_stale_recording_is_a_mismatch_not_a_silent_pass(tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    shutil.copytree(examples_dir() / "recordings", rec)
    path = tmp_path / "a.jsonl"
    row = json.loads((examples_dir() / "articles.jsonl").read_text().splitlines()[3])
    row["text"] += " One more sentence."
    path.write_text(json.dumps(row) + "\n")
    result = runner.invoke(app, ["label", str(path), "--replay", str(rec)])
    assert result.exit_code == 1
    assert "replay_mismatch" in result.stderr and "record it again" in result.stderr


def test_usage_errors_exit_2_with_one_line() -> None:
    cases = [
        (["label", "missing.jsonl", "--model", "m", "--base-url", "http://127.0.0.1:9/v1"], "input file not found"),
        (["label", str(examples_dir() / "articles.jsonl")], "no model"),
        (["label", str(examples_dir() / "articles.jsonl"), "--model", "m"], "no API key"),
        (["label", "--example", "--mode", "xml"], "--mode must be"),
        (["label", "--example", "--record", "x"], "--record and --replay"),
        (["label", "--example", "--encoding", "nope-8"], "unknown --encoding"),
    ]
    for args, message in cases:
        result = runner.invoke(app, args, env={"OPENAI_API_KEY": "", "AIMLABEL_MODEL": "", "OPENAI_BASE_URL": ""})
        assert result.exit_code == 2, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert result.stdout == ""


def test_help_teaches() -> None:
    result = runner.invoke(app, ["label", "--help"])
    assert result.exit_code == 0
    for word in ("--example", "--replay", "--record", "--mode", "Exit codes", "OPENAI_API_KEY"):
        assert word in result.stdout
