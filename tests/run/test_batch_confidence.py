"""`label --batch --confidence` (issue 15): the Batch API requests carry logprobs or `n`, the
answers are measured by the live path's code, and a batch run's records, confidence and
calibration routing included, are the records a live run writes. Over HTTP against the fake
server's Files and Batches endpoints, in every mode."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_batch_runs import cli, collect, comparable, records, submit  # the batch tests' own helpers

from aimlabel.core.prompt import load_prompt
from aimlabel.run.confidence import CalibrationFile, IsotonicMap
from aimlabel.testing.fakeserver import FakeServerProcess, start_fake_server
from conftest import write_articles

MODES = ("json_schema", "tools", "md_json")


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    write_articles(tmp_path / "in.jsonl", 12)
    return tmp_path / "in.jsonl"


def _live(base_url: str, articles: Path, out: Path, *extra: str) -> list[dict[str, Any]]:
    result = cli("label", str(articles), "--base-url", base_url, "--model", "fake", "--no-store", "-q", "-o", str(out), *extra)
    assert result.exit_code == 0, result.output
    return records(out)


def _batch(server: FakeServerProcess, articles: Path, run: str, out: Path, *extra: str) -> list[dict[str, Any]]:
    sent = submit(server, articles, run, "--no-cache", *extra)
    assert sent.exit_code == 0, sent.output
    done = collect(run, "-o", str(out))
    assert done.exit_code == 0, done.output
    return records(out)


def _exchanges(recording: Path) -> list[dict[str, Any]]:
    """Every exchange of a recording, article by article."""
    return [exchange for path in sorted((recording / "items").glob("*.json"))
            for exchange in json.loads(path.read_text(encoding="utf-8"))["exchanges"]]


def _recorded_live_and_batch(articles: Path, tmp_path: Path, run: str, *args: str) -> list[dict[str, Any]]:
    """The batch run's records (recorded to tmp_path/rec), checked equal to a live run's."""
    with start_fake_server(max_seconds=120) as server:
        live = _live(server.base_url, articles, tmp_path / "live.jsonl", *args)
        batch = _batch(server, articles, run, tmp_path / "batch.jsonl", *args, "--record", str(tmp_path / "rec"))
    assert [comparable(r) for r in batch] == [comparable(r) for r in live]
    return batch


@pytest.mark.parametrize("mode", MODES)
def test_batch_logprobs_give_the_live_confidence(articles: Path, tmp_path: Path, mode: str) -> None:
    args = ("--mode", mode, "--confidence", "logprobs")
    batch = _recorded_live_and_batch(articles, tmp_path, "lp", *args)
    assert all(r["confidence"]["source"] == "logprobs" and r["confidence"]["method"] == "logprobs" for r in batch)
    assert all(0 < r["confidence"]["probability"] <= 1 for r in batch)
    sent = [exchange["request"] for exchange in _exchanges(tmp_path / "rec")]
    assert sent and all(body["logprobs"] is True and body["top_logprobs"] == 5 for body in sent)
    assert all(len(kept["content"]) > 20 for kept in (e["response"]["choices"][0]["logprobs"] for e in _exchanges(tmp_path / "rec"))), "a recording holds what the server sent"
    replayed = records(tmp_path / "replay.jsonl") if cli(
        "label", str(articles), "--replay", str(tmp_path / "rec"), "--no-store", "-q", "-o", str(tmp_path / "replay.jsonl"), *args
    ).exit_code == 0 else []
    assert [r["confidence"] for r in replayed] == [r["confidence"] for r in batch], "the recording keeps the logprobs"


@pytest.mark.parametrize("mode", MODES)
def test_batch_samples_take_n_answers_and_vote_as_live(articles: Path, tmp_path: Path, mode: str) -> None:
    batch = _recorded_live_and_batch(articles, tmp_path, "k3", "--mode", mode, "--confidence", "samples:3:0.7")
    for record in batch:
        conf = record["confidence"]
        assert conf["source"] == "samples" and conf["samples"] == 3 and sum(conf["votes"].values()) == 3
        assert record["attempts"]["requests"] == 1
    assert all(body["n"] == 3 and body["temperature"] == 0.7 for body in (e["request"] for e in _exchanges(tmp_path / "rec")))


def test_batch_samples_where_the_server_ignores_n_ask_again_in_the_next_batches(articles: Path, tmp_path: Path) -> None:
    with start_fake_server(max_seconds=120, ignore_n=True) as server:
        live = _live(server.base_url, articles, tmp_path / "live.jsonl", "--confidence", "samples:3")
        batch = _batch(server, articles, "k3", tmp_path / "batch.jsonl", "--confidence", "samples:3")
        created = server.stats()["batch"]["created"]
    assert created == 3, "one batch for the first answers, one for each repeated request"
    assert [comparable(r) for r in batch] == [comparable(r) for r in live]
    assert all(r["attempts"]["requests"] == 3 and sum(r["confidence"]["votes"].values()) == 3 for r in batch)
    assert any(r["confidence"]["probability"] < 1 for r in batch)


def calibration_file(path: Path) -> Path:
    """A logprobs calibration of model `fake` on the default prompt: identity map, threshold 0.75."""
    prompt = load_prompt(None)
    cal = CalibrationFile(tool_version="test", model="fake", prompt_id=prompt.id, prompt_version=prompt.version,
                          prompt_hash=prompt.hash, confidence="logprobs", gold="gold.jsonl", gold_hash="0" * 64, labels_scored=100,
                          target_precision=0.95, threshold=0.75, recalibration=IsotonicMap(x=[0.0, 1.0], y=[0.0, 1.0]), curve=[],
                          id="cal-test")
    path.write_text(cal.model_dump_json(), encoding="utf-8")
    return path


def test_batch_calibration_routes_as_live(articles: Path, tmp_path: Path) -> None:
    path = calibration_file(tmp_path / "calibration.json")
    args = ("--confidence", "logprobs", "--calibration", str(path))
    with start_fake_server(max_seconds=120) as server:
        live = _live(server.base_url, articles, tmp_path / "live.jsonl", *args)
        batch = _batch(server, articles, "cal", tmp_path / "batch.jsonl", *args)
        other = submit(server, articles, "cal2", "--confidence", "samples:3", "--calibration", str(path))
    assert [comparable(r) for r in batch] == [comparable(r) for r in live]
    low = [r for r in batch if "low_confidence" in r["review_reasons"]]
    assert low and len(low) < len(batch) and all(r["status"] == "needs_review" for r in low)
    assert all(r["confidence"]["calibration"] == "cal-test" and r["confidence"]["threshold"] == 0.75 for r in batch)
    assert other.exit_code == 2 and "confidence 'samples:3:1' (calibrated on 'logprobs')" in other.output
