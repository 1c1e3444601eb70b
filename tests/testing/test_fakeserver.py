"""End to end against the fake server as a real process: real sockets, real openai client and
instructor, seeded faults. Each article must come back exactly once, in order, `ok` or `failed`
with a reason, and the server's own counts must reconcile with what the records say was sent.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from aimlabel.core.record import LabelRecord
from aimlabel.core.schema import label_model
from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.model.base import ModelSettings, RetryPolicy
from aimlabel.run.job import LabelJob, run_label_job
from aimlabel.testing.fakeserver import FakeServerProcess, start_fake_server
from aimlabel.testing.fakeserver.answers import Answerer, FaultPlan
from conftest import write_articles

FAST_RETRY = RetryPolicy(max_retries=4, base_wait=0.01, max_wait=0.05, honour_retry_after_up_to=0.2)
ERROR_TYPES = {"rate_limited", "server_error", "timeout", "connection", "invalid_answer", "invalid_response", "incomplete", "error"}



def _label(server: FakeServerProcess, articles: Path, mode: str = "json_schema", concurrency: int = 4,
           timeout: float = 5.0) -> list[LabelRecord]:
    settings = ModelSettings(model="fake", base_url=server.base_url, api_key="test", mode=mode,  # type: ignore[arg-type]
                             timeout=timeout, max_reasks=1, retry=FAST_RETRY)
    records: list[LabelRecord] = []
    run_label_job(LabelJob(input=str(articles), settings=settings, concurrency=concurrency), records.append)
    return records


@pytest.fixture(scope="module")
def clean_server() -> Iterator[FakeServerProcess]:
    with start_fake_server(latency=0.01, max_seconds=60) as server:
        yield server


def test_models_endpoint_lists_the_model(clean_server: FakeServerProcess) -> None:
    with urllib.request.urlopen(clean_server.base_url + "/models", timeout=5) as response:
        body = json.loads(response.read())
    assert [m["id"] for m in body["data"]] == ["fake-model"]


def test_clean_run_is_all_ok_and_the_same_in_every_mode(clean_server: FakeServerProcess, tmp_path: Path) -> None:
    ids = write_articles(tmp_path / "in.jsonl", 6)
    before = clean_server.stats()
    labels_by_mode = {}
    for mode in ("json_schema", "tools", "md_json"):
        records = _label(clean_server, tmp_path / "in.jsonl", mode)
        assert [r.id for r in records] == ids
        assert all(r.status == "ok" and r.attempts.requests == 1 for r in records), [r.error for r in records]
        labels_by_mode[mode] = [r.label for r in records]
    after = clean_server.stats()
    assert labels_by_mode["json_schema"] == labels_by_mode["tools"] == labels_by_mode["md_json"]
    first = labels_by_mode["tools"][0]
    assert first is not None and first["evidence"] == ["Article 0 reports that system 0 misfired in town 0."]
    assert after["chat_requests"] - before["chat_requests"] == 18
    assert {m: after["by_mode"][m] - before["by_mode"].get(m, 0) for m in after["by_mode"]} == {
        "json_schema": 6, "tools": 6, "md_json": 6}
    assert set(after["bodies"].values()) == {1}, "no request body was sent twice"


def test_fault_injected_run_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    ids = write_articles(tmp_path / "in.jsonl", 40)
    faults = dict(rate_429=0.2, retry_after=0.05, rate_500=0.05, rate_timeout=0.05, hang=1.3, rate_junk=0.05)
    with start_fake_server(latency=0.02, seed=7, max_seconds=60, **faults) as server:
        records = _label(server, tmp_path / "in.jsonl", concurrency=8, timeout=1.0)
        stats = server.stats()
    assert [r.id for r in records] == ids, "every article once, in input order"
    for r in records:
        assert r.status in ("ok", "failed")
        if r.status == "failed":
            assert r.error is not None and r.error.type in ERROR_TYPES and r.error.message
        else:
            assert r.error is None and r.label is not None
    assert stats["chat_requests"] == sum(r.attempts.requests for r in records)
    assert sum(stats["by_fault"].values()) == stats["chat_requests"]
    assert stats["by_fault"]["429"] > 0 and stats["by_fault"]["none"] > 0
    assert set(stats["answered"].values()) <= {1}, "no answered request was asked again"
    assert sum(stats["answered"].values()) == sum(r.status == "ok" for r in records)
    assert sum(r.status == "ok" for r in records) >= 30


def test_fault_plan_is_deterministic_and_honours_shares() -> None:
    plan_a, plan_b = FaultPlan({"429": 0.2, "junk": 0.1}, seed=3), FaultPlan({"429": 0.2, "junk": 0.1}, seed=3)
    seq_a = [plan_a.draw() for _ in range(2000)]
    assert seq_a == [plan_b.draw() for _ in range(2000)]
    assert 0.17 < seq_a.count("429") / 2000 < 0.23 and 0.07 < seq_a.count("junk") / 2000 < 0.13
    with pytest.raises(ValueError):
        FaultPlan({"429": 0.8, "500": 0.5}, seed=0)


def test_every_class_of_fake_answer_is_schema_valid() -> None:
    answerer, model = Answerer(default_taxonomy()), label_model()
    seen = set()
    for i in range(40):
        label = answerer.label(f"Title: t{i}\n\nBody {i}. More.")
        model.model_validate(label)
        seen.add(label["classification"])
    assert seen == set(default_taxonomy().classes)


def test_sigterm_stops_the_server_cleanly() -> None:
    server = start_fake_server(max_seconds=30)
    assert server.stats()["chat_requests"] == 0
    assert server.close() == 0


def test_server_stops_by_itself_after_max_requests() -> None:
    server = start_fake_server(max_requests=1, max_seconds=30)
    try:
        request = urllib.request.Request(server.base_url + "/chat/completions", data=b"{}", method="POST",
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
        assert server._proc is not None
        assert server._proc.wait(timeout=5) == 0
    finally:
        server.close()


def test_a_slow_article_answers_slower(tmp_path: Path) -> None:
    """`--slow TEXT` delays only the articles containing TEXT (for the head-of-line benchmark)."""
    import time

    write_articles(tmp_path / "in.jsonl", 6)
    with start_fake_server(latency=0.02, slow="Story 3", slow_factor=25, max_seconds=60) as server:
        started = time.perf_counter()
        records = _label(server, tmp_path / "in.jsonl", concurrency=6)
        took = time.perf_counter() - started
        stats = server.stats()
    assert all(r.status == "ok" for r in records)
    assert stats["slow_requests"] == 1 and took >= 0.5


def test_memo_serves_a_repeated_request_the_answer_it_got_and_draws_faults_as_before(tmp_path: Path) -> None:
    articles = tmp_path / "a.jsonl"
    write_articles(articles, 12)
    with start_fake_server(memo=True, seed=3, rate_500=0.3, max_seconds=60) as server:
        first, second = _label(server, articles), _label(server, articles)
        stats = server.stats()
    assert [r.label for r in first] == [r.label for r in second]
    assert all(r.status != "failed" for r in first + second)
    assert stats["by_fault"].get("500", 0) > 0  # a memo never hides a fault the plan draws
