"""The pipeline keeps C calls in flight whatever one article does, and ends cleanly when it must."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest

from aimlabel.core.articles import Article
from aimlabel.core.prompt import default_prompt
from aimlabel.core.record import LabelRecord
from aimlabel.core.schema import label_model
from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.model.base import ModelSettings, RetryPolicy
from aimlabel.model.openai import OpenAIAdapter
from aimlabel.run.job import LabelJob, run_label_job
from aimlabel.run.pipeline import Labeler, RunTotals, label_items
from aimlabel.run.reorder import Reorder, TempSpill
from aimlabel.run.store import RunStore
from aimlabel.testing.fakes import article_title, chat_completion
from conftest import example_answers

LABEL = example_answers()["ex-001"]
Handler = Callable[[httpx2.Request], Any]


def _articles(n: int) -> list[tuple[int, Article]]:
    return [(i + 1, Article(id=f"s{i:03d}", title=f"Story {i}", text=f"An AI system did thing {i}.")) for i in range(n)]


def _run(handler: Handler, items: list[Any], concurrency: int, **kw: Any) -> tuple[RunTotals, list[LabelRecord]]:
    out: list[LabelRecord] = []

    async def go() -> RunTotals:
        adapter = OpenAIAdapter(ModelSettings(model="m", base_url="http://fake.invalid/v1", api_key="sk-test-engine"),
                                transport=httpx2.MockTransport(handler))
        labeler = Labeler(adapter, default_prompt(), label_model(), default_taxonomy(), rules=None)
        try:
            return await label_items(items, labeler, out.append, source="t", concurrency=concurrency, **kw)
        finally:
            await adapter.aclose()

    return asyncio.run(go()), out


def test_one_slow_article_does_not_stop_new_work() -> None:
    """Before: records left through a window of 2C, so a stuck head let only 2C-1 others start."""
    n, concurrency = 40, 2
    requested: list[str] = []
    seen_when_released: list[int] = []
    release = asyncio.Event()

    async def handler(request: httpx2.Request) -> httpx2.Response:
        title = article_title(json.loads(request.content)) or ""
        requested.append(title)
        if title == "Story 0":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(release.wait(), 10)
            seen_when_released.append(len(requested))
        elif len(requested) == n:
            release.set()
        return httpx2.Response(200, json=chat_completion(LABEL))

    totals, out = _run(handler, _articles(n), concurrency)
    assert seen_when_released == [n], f"only {seen_when_released} article(s) were sent while the first was slow"
    assert totals.ok == n
    assert [r.id for r in out] == [f"s{i:03d}" for i in range(n)]


def test_records_waiting_for_a_slow_head_spill_and_come_back_in_order() -> None:
    release = asyncio.Event()
    done = [0]

    async def handler(request: httpx2.Request) -> httpx2.Response:
        if article_title(json.loads(request.content)) == "Story 0":
            await asyncio.wait_for(release.wait(), 10)
        else:
            done[0] += 1
            if done[0] == 29:
                release.set()
        return httpx2.Response(200, json=chat_completion(LABEL))

    totals, out = _run(handler, _articles(30), 4, reorder_limit=3)
    assert totals.ok == 30
    assert [r.id for r in out] == [f"s{i:03d}" for i in range(30)]


def test_reorder_holds_up_to_its_limit_and_spills_the_rest() -> None:
    emitted: list[str] = []
    spill = TempSpill()
    order = Reorder(lambda r: emitted.append(r.id), spill, limit=2)
    for seq in (5, 4, 3, 2, 1):
        order.put(seq, LabelRecord(id=f"r{seq}", status="failed"))
    assert emitted == [] and order.waiting == 5 and order.spills == 3
    order.put(0, LabelRecord(id="r0", status="failed"))
    spill.close()
    assert emitted == [f"r{i}" for i in range(6)] and order.waiting == 0


def test_a_crash_in_the_sink_cancels_the_calls_in_flight(caplog: pytest.LogCaptureFixture) -> None:
    """No orphaned tasks ("Task exception was never retrieved"), and the error itself comes out."""
    sent: list[str] = []

    async def handler(request: httpx2.Request) -> httpx2.Response:
        sent.append(article_title(json.loads(request.content)) or "")
        if len(sent) > 1:
            await asyncio.sleep(0.05)
        return httpx2.Response(200, json=chat_completion(LABEL))

    def sink(record: LabelRecord) -> None:
        raise BrokenPipeError("reader went away")

    left: list[asyncio.Task[Any]] = []

    async def go() -> None:
        adapter = OpenAIAdapter(ModelSettings(model="m", base_url="http://fake.invalid/v1", api_key="k"),
                                transport=httpx2.MockTransport(handler))
        labeler = Labeler(adapter, default_prompt(), label_model(), default_taxonomy(), rules=None)
        try:
            await label_items(_articles(20), labeler, sink, concurrency=4)
        finally:
            left.extend(t for t in asyncio.all_tasks() if t is not asyncio.current_task())
            await adapter.aclose()

    with caplog.at_level(logging.ERROR, logger="asyncio"), pytest.raises(BrokenPipeError):
        asyncio.run(go())
    assert left == [], f"{len(left)} call(s) still running after the run ended (they would meet a closed client)"
    assert len(sent) <= 5
    assert not [r for r in caplog.records if r.name == "asyncio"], [r.getMessage() for r in caplog.records]


def test_a_full_store_stops_the_run_with_one_reason(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """SQLite's own "database or disk is full" (a page cap stands in for the disk)."""
    articles = tmp_path / "a.jsonl"
    articles.write_text("".join(json.dumps({"id": f"s{i:03d}", "title": f"Story {i}", "text": "word " * 600}) + "\n"
                                for i in range(60)))

    async def handler(request: httpx2.Request) -> httpx2.Response:
        await asyncio.sleep(0.001)
        return httpx2.Response(200, json=chat_completion(LABEL))

    out: list[LabelRecord] = []
    with RunStore(tmp_path / "s.sqlite") as store:
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages + 12}")
        job = LabelJob(input=str(articles), store=store, run_name="full", concurrency=4, rules=None, use_cache=False,
                       settings=ModelSettings(model="m", base_url="http://fake.invalid/v1", api_key="k",
                                              retry=RetryPolicy(max_retries=0)),
                       transport=httpx2.MockTransport(handler))
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            result = run_label_job(job, out.append)
        stop = result.totals.stop
        assert stop is not None and stop.type == "no_space", stop
        assert "database or disk is full" in stop.message and "--run full" in stop.message
        store.db.execute("PRAGMA max_page_count = 1000000")
        info = store.find_run("full")
        assert info is not None and info.status == "stopped"
        assert info.totals is not None and info.totals["stop"]["type"] == "no_space"
        stored = list(store.export(info.id))
    assert 0 < len(stored) < 60
    assert all(r.status == "ok" for r in stored), {r.error.type for r in stored if r.error}  # no false reasons
    assert [r.id for r in out] == [r.id for r in stored][: len(out)]
    assert not [r for r in caplog.records if r.name == "asyncio"]
