"""Record a run, replay it offline, get the same records; replay fails loudly when it can't."""

from __future__ import annotations

import json
from pathlib import Path

from aimlabel.core.articles import Article
from conftest import SECRET, Harness, example_articles, ok_reply


def _records_json(h: Harness) -> list[dict]:
    return [json.loads(r.to_json()) for r in h.records]


def _record_mixed_run(tmp_path: Path, answers: dict) -> tuple[Harness, Path]:
    rec_dir = tmp_path / "rec"
    live = Harness()
    arts = example_articles()
    live.fake.queue({"error": {"message": "slow"}}, status=429, headers={"retry-after": "3"})
    live.fake.queue(ok_reply(dict(answers["ex-001"], severity="bad"), model="gpt-x"))
    live.fake.queue(ok_reply(answers["ex-001"], model="gpt-x"))
    for a in arts[1:4]:
        live.fake.queue(ok_reply(answers[a.key], model="gpt-x"))
    for _ in range(4):
        live.fake.queue({"error": {"message": "down"}}, status=500)
    live.run(arts, record=rec_dir, model="gpt-x")
    return live, rec_dir


def test_replay_of_recorded_run_gives_identical_records(tmp_path: Path, answers: dict) -> None:
    live, rec_dir = _record_mixed_run(tmp_path, answers)
    statuses = [r.status for r in live.records]
    assert statuses == ["ok", "ok", "ok", "ok", "failed"]
    replayed = Harness()
    replayed.run(example_articles(), replay=rec_dir, model="gpt-x")
    assert replayed.fake.requests == []
    assert replayed.sleeps == []
    live_json, replay_json = _records_json(live), _records_json(replayed)
    assert {(r["provenance"].pop("source"), r["provenance"].pop("recording_producer")) for r in live_json} == {("live", None)}
    assert {(r["provenance"].pop("source"), r["provenance"].pop("recording_producer")) for r in replay_json} == {("replay", "gpt-x")}
    assert [r["attempts"] for r in replay_json] == [r["attempts"] for r in live_json]
    assert replay_json == live_json


def test_replay_twice_is_byte_identical(tmp_path: Path, answers: dict) -> None:
    _, rec_dir = _record_mixed_run(tmp_path, answers)
    a, b = Harness(), Harness()
    a.run(example_articles(), replay=rec_dir, model="gpt-x")
    b.run(example_articles(), replay=rec_dir, model="gpt-x")
    assert [r.to_json() for r in a.records] == [r.to_json() for r in b.records]


def test_recording_names_its_producer_and_holds_no_secret(tmp_path: Path, answers: dict) -> None:
    _, rec_dir = _record_mixed_run(tmp_path, answers)
    manifest = json.loads((rec_dir / "recording.json").read_text())
    assert manifest["producer"] == "gpt-x" and manifest["format"] == "aimlabel.model.recording/1"
    text = "".join(p.read_text() for p in rec_dir.rglob("*.json"))
    assert SECRET not in text and "Bearer" not in text


def test_missing_recording_is_a_failed_record_naming_the_article(tmp_path: Path, answers: dict) -> None:
    _, rec_dir = _record_mixed_run(tmp_path, answers)
    extra = Article(id="not-recorded-42", title="A new story", text="Nothing recorded for this one.")
    h = Harness()
    totals = h.run([*example_articles()[:1], extra], replay=rec_dir, model="gpt-x")
    assert totals.ok == 1 and totals.failed == 1
    err = h.records[1].error
    assert err is not None and err.type == "replay_missing"
    assert "not-recorded-42" in err.message and str(rec_dir) in err.message


def test_changed_request_is_a_replay_mismatch(tmp_path: Path, answers: dict) -> None:
    _, rec_dir = _record_mixed_run(tmp_path, answers)
    changed = example_articles()[1].model_copy(update={"text": "Edited after recording."})
    h = Harness()
    h.run([changed], replay=rec_dir, model="gpt-x")
    err = h.records[0].error
    assert err is not None and err.type == "replay_mismatch"
    assert "messages" in err.message and "ex-002" in err.message
    h2 = Harness()
    h2.run(example_articles()[1:2], replay=rec_dir, model="another-model")
    assert h2.records[0].error is not None and "model" in h2.records[0].error.message
