"""`batch prepare --confidence` (issue 15, the offline engine path): the request file carries the
logprobs or `n` a `label --batch` request carries, `batch collect --output-file` measures the
engine's answers with the batch path's code, and the records, confidence and calibration routing
included, are the records `label --batch` writes for the same answers. The engine is the fake's
answerer over the request file (`engine`), as vLLM's `run_batch` would answer it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from test_batch_confidence import MODES, _batch, _exchanges, calibration_file  # the batch confidence tests' helpers
from test_batch_runs import cli, comparable, engine, records

from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.testing.fakeserver import start_fake_server
from aimlabel.testing.fakeserver.answers import Answerer
from conftest import write_articles


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    write_articles(tmp_path / "in.jsonl", 10)
    return tmp_path / "in.jsonl"


def _prepare(articles: Path, run: str, requests: Path, *extra: str) -> None:
    prepared = cli("batch", "prepare", str(articles), "--model", "fake", "--run", run, "-o", str(requests), *extra)
    assert prepared.exit_code == 0, prepared.stderr


def _offline(articles: Path, tmp_path: Path, run: str, *extra: str, answerer: Answerer | None = None,
             rounds: int = 1) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Prepare, run the engine over each request file and collect, `rounds` times (the last one
    settles every article); returns the records and every request line the engine was given."""
    first = tmp_path / f"{run}.jsonl"
    _prepare(articles, run, first, *extra)
    seen: Counter[str] = Counter()
    sent: list[dict[str, Any]] = []
    for number in range(1, rounds + 1):
        requests = first if number == 1 else first.with_name(f"{run}.{number}.jsonl")
        sent += records(requests)
        outputs = engine(requests, tmp_path / f"{run}-results.{number}.jsonl", answerer=answerer, seen=seen)
        done = cli("batch", "collect", run, "--output-file", str(outputs), "-o", str(tmp_path / f"{run}-labels.jsonl"))
        if number < rounds:
            assert done.exit_code == 4 and "need another request" in done.stderr, done.stderr
        else:
            assert done.exit_code == 0, done.stderr
    assert not first.with_name(f"{run}.{rounds + 1}.jsonl").exists(), "nothing left to ask"
    return records(tmp_path / f"{run}-labels.jsonl"), sent


def _canonical(bodies: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(body, sort_keys=True) for body in bodies)


@pytest.mark.parametrize("mode", MODES)
def test_offline_logprobs_give_the_batch_runs_confidence(articles: Path, tmp_path: Path, mode: str) -> None:
    args = ("--mode", mode, "--confidence", "logprobs")
    with start_fake_server(max_seconds=120) as server:
        batch = _batch(server, articles, "api", tmp_path / "batch.jsonl", *args, "--record", str(tmp_path / "rec"))
    offline, sent = _offline(articles, tmp_path, "local", *args)
    assert [comparable(r) for r in offline] == [comparable(r) for r in batch]
    assert all(r["confidence"]["source"] == "logprobs" and 0 < r["confidence"]["probability"] < 1 for r in offline)
    assert len({r["confidence"]["probability"] for r in offline}) > 1, "each article its own measure"
    assert all(line["body"]["logprobs"] is True and line["body"]["top_logprobs"] == 5 for line in sent)
    assert _canonical([line["body"] for line in sent]) == _canonical([e["request"] for e in _exchanges(tmp_path / "rec")]), \
        "the request file holds the bodies label --batch sent"


def test_offline_samples_take_n_answers_and_vote_as_the_batch_run(articles: Path, tmp_path: Path) -> None:
    args = ("--confidence", "samples:3:0.7")
    with start_fake_server(max_seconds=120) as server:
        batch = _batch(server, articles, "api", tmp_path / "batch.jsonl", *args)
    offline, sent = _offline(articles, tmp_path, "local", *args)
    assert [comparable(r) for r in offline] == [comparable(r) for r in batch]
    assert all(line["body"]["n"] == 3 and line["body"]["temperature"] == 0.7 for line in sent)
    assert all(r["confidence"]["samples"] == 3 and sum(r["confidence"]["votes"].values()) == 3 for r in offline)
    assert all(r["attempts"]["requests"] == 1 for r in offline)


def test_an_engine_that_ignores_n_gets_the_request_again_in_the_next_files(articles: Path, tmp_path: Path) -> None:
    with start_fake_server(max_seconds=120, ignore_n=True) as server:
        batch = _batch(server, articles, "api", tmp_path / "batch.jsonl", "--confidence", "samples:3")
    one_choice = Answerer(default_taxonomy(), honour_n=False)
    offline, sent = _offline(articles, tmp_path, "local", "--confidence", "samples:3", answerer=one_choice, rounds=3)
    assert [comparable(r) for r in offline] == [comparable(r) for r in batch]
    assert len(sent) == 3 * len(offline) and len({line["custom_id"] for line in sent}) == len(sent)
    assert all(r["attempts"]["requests"] == 3 and sum(r["confidence"]["votes"].values()) == 3 for r in offline)
    assert any(r["confidence"]["probability"] < 1 for r in offline)


def test_offline_calibration_routes_as_the_batch_run(articles: Path, tmp_path: Path) -> None:
    args = ("--confidence", "logprobs", "--calibration", str(calibration_file(tmp_path / "calibration.json")))
    with start_fake_server(max_seconds=120) as server:
        batch = _batch(server, articles, "api", tmp_path / "batch.jsonl", *args)
    offline, _ = _offline(articles, tmp_path, "local", *args)
    assert [comparable(r) for r in offline] == [comparable(r) for r in batch]
    low = [r for r in offline if "low_confidence" in r["review_reasons"]]
    assert low and len(low) < len(offline) and all(r["status"] == "needs_review" for r in low)
    assert all(r["confidence"]["calibration"] == "cal-test" and r["confidence"]["threshold"] == 0.75 for r in offline)


def test_prepare_checks_confidence_and_calibration_as_label_does(articles: Path, tmp_path: Path) -> None:
    cal = str(calibration_file(tmp_path / "calibration.json"))

    def both(*extra: str) -> tuple[str, str]:
        prepared = cli("batch", "prepare", str(articles), "--model", "fake", "--run", "x", "-o", str(tmp_path / "r.jsonl"), *extra)
        labelled = cli("label", str(articles), "--batch", "--run", "y", "--base-url", "http://127.0.0.1:9/v1", "--model", "fake",
                       *extra)
        assert prepared.exit_code == labelled.exit_code == 2, (prepared.stderr, labelled.stderr)
        return prepared.stderr, labelled.stderr

    prepared, labelled = both("--calibration", cal)
    assert prepared == labelled and "--calibration routes on confidence: add --confidence" in prepared
    prepared, labelled = both("--confidence", "samples:0")
    assert prepared == labelled and "samples" in prepared
    prepared, labelled = both("--confidence", "logprobs", "--calibration", str(tmp_path / "missing.json"))
    assert prepared == labelled and "calibration file not found" in prepared
    prepared, labelled = both("--confidence", "samples:3", "--calibration", cal)
    assert prepared == labelled and "confidence 'samples:3:1' (calibrated on 'logprobs')" in prepared
    assert not (tmp_path / "r.jsonl").exists(), "a refused prepare writes no request file"
