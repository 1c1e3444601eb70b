"""Batch runs end to end: the real CLI, the real openai client over HTTP, the fake server's Files
and Batches endpoints, a real SQLite store. Every article ends ok, needs_review or failed (with
why), once; a batch run's records are the records a live run writes."""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from aimlabel.cli import app
from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.testing.fakeserver import FakeServerProcess, start_fake_server
from aimlabel.testing.fakeserver.answers import Answerer
from conftest import write_articles

KEY = "sk-test-batch-0123456789"


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"OPENAI_API_KEY": KEY, "COLUMNS": "200"})


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    record = json.loads(json.dumps(record))
    record.pop("latency_ms")
    for key in ("batch_id", "source", "recording_producer"):
        record["provenance"].pop(key)
    return record


def submit(server: FakeServerProcess, articles: Path, run: str, *extra: str) -> Result:
    return cli("label", str(articles), "--batch", "--run", run, "--base-url", server.base_url, "--model", "fake", *extra)


def collect(run: str, *extra: str) -> Result:
    return cli("batch", "collect", run, "--wait", "--poll-interval", "0.01", *extra)


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    write_articles(tmp_path / "in.jsonl", 25)
    return tmp_path / "in.jsonl"


@pytest.fixture
def clean_server() -> Iterator[FakeServerProcess]:
    with start_fake_server(max_seconds=120) as server:
        yield server


def test_a_batch_run_writes_the_records_a_live_run_writes(clean_server: FakeServerProcess, articles: Path, tmp_path: Path) -> None:
    live = cli("label", str(articles), "--run", "live", "--base-url", clean_server.base_url, "--model", "fake", "--no-cache",
               "-q", "-o", str(tmp_path / "live.jsonl"))
    assert live.exit_code == 0, live.stderr
    sent = submit(clean_server, articles, "nightly", "--batch-max-requests", "10", "--no-cache")
    assert sent.exit_code == 0, sent.stderr
    table = sent.stdout.splitlines()
    assert table[0].split("\t") == ["file", "state", "batch_id", "status", "requests", "completed", "failed"]
    assert [row.split("\t")[4] for row in table[1:]] == ["10", "10", "5"]
    status = cli("batch", "status", "nightly")
    assert status.exit_code == 4 and "25 waiting" in status.stderr
    done = collect("nightly", "-o", str(tmp_path / "batch.jsonl"))
    assert done.exit_code == 0, done.stderr
    assert "25 ok, 0 need review, 0 failed" in done.stderr
    batch, plain = records(tmp_path / "batch.jsonl"), records(tmp_path / "live.jsonl")
    assert [comparable(r) for r in batch] == [comparable(r) for r in plain]
    assert {r["provenance"]["source"] for r in batch} == {"live"}
    assert all(r["provenance"]["batch_id"].startswith("batch_") for r in batch)
    stats = clean_server.stats()
    assert stats["batch"]["created"] == 3 and stats["batch"]["lines"] == 25
    assert set(stats["batch"]["by_line"].values()) == {1}
    again = collect("nightly")
    assert again.exit_code == 0 and clean_server.stats()["batch"] == stats["batch"], "collect again: nothing new asked or read"
    runs = cli("runs")
    assert "nightly\tfinished" in runs.stdout


def test_failures_retries_reasks_and_an_expired_batch_all_end_accounted_for(articles: Path, tmp_path: Path) -> None:
    faults = dict(rate_500=0.1, rate_429=0.05, rate_invalid=0.1, rate_timeout=0.05, seed=11, batch_expire="2")
    with start_fake_server(max_seconds=120, **faults) as server:  # type: ignore[arg-type]
        assert submit(server, articles, "rough", "--batch-max-requests", "8", "--no-cache").exit_code == 0
        done = collect("rough", "-o", str(tmp_path / "out.jsonl"))
        stats = server.stats()["batch"]
    assert done.exit_code == 0, done.stderr
    out = records(tmp_path / "out.jsonl")
    assert [r["id"] for r in out] == [f"a{i:03d}" for i in range(25)]
    assert all(r["status"] == "ok" for r in out), [r["error"] for r in out]
    assert stats["by_status"]["500"] > 0 and stats["by_status"]["timeout"] > 0 and stats["created"] > 4
    assert set(stats["by_line"].values()) == {1}, "every request ran once: a retry is a new request"
    requests = sum(r["attempts"]["requests"] for r in out)
    assert requests == stats["lines"] + 4, "the expired batch's 4 unrun requests count as attempts too"
    assert sum(r["attempts"]["answers"] for r in out) == stats["by_status"]["200"]


def test_a_failed_batch_fails_its_articles_with_the_api_reason_and_a_resume_sends_them_again(articles: Path) -> None:
    with start_fake_server(max_seconds=120, batch_fail="1") as server:
        assert submit(server, articles, "f", "--batch-max-requests", "10").exit_code == 0
        first = collect("f")
        assert first.exit_code == 1 and "15 ok, 0 need review, 10 failed" in first.stderr
        failed = [r for r in records_of("f") if r["status"] == "failed"]
        assert {r["error"]["type"] for r in failed} == {"batch_failed"}
        assert "the batch failed (fake)" in failed[0]["error"]["message"]
        again = submit(server, articles, "f")
        assert again.exit_code == 0 and "10 failed article(s) from before are labelled again" in again.stderr
        assert collect("f").exit_code == 0
    assert [r["status"] for r in records_of("f")] == ["ok"] * 25


def records_of(run: str) -> list[dict[str, Any]]:
    exported = cli("export", run)
    assert exported.exit_code == 0, exported.stderr
    return [json.loads(line) for line in exported.stdout.splitlines()]


def test_cancel_keeps_what_ran_fails_the_rest_and_a_resume_finishes(articles: Path) -> None:
    with start_fake_server(max_seconds=120, batch_polls=3) as server:
        assert submit(server, articles, "c").exit_code == 0
        cancelled = cli("batch", "cancel", "c")
        assert cancelled.exit_code == 0 and ": cancelling" in cancelled.stderr
        assert collect("c").exit_code == 1
        got = records_of("c")
        assert sum(r["status"] == "ok" for r in got) == 12
        assert {r["error"]["type"] for r in got if r["status"] == "failed"} == {"batch_cancelled"}
        assert submit(server, articles, "c").exit_code == 0
        assert collect("c").exit_code == 0
    assert [r["status"] for r in records_of("c")] == ["ok"] * 25


def test_max_cost_holds_for_batches(articles: Path, tmp_path: Path) -> None:
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"models": {"fake": {"input": 2.0, "output": 2.0, "batch_input": 1.0, "batch_output": 1.0}}}))
    with start_fake_server(max_seconds=120) as server:
        sent = submit(server, articles, "b", "--max-cost", "0.03", "--prices", str(prices))
        assert sent.exit_code == 0, sent.stderr
        assert collect("b", "--prices", str(prices)).exit_code == 1
        got = records_of("b")
        spent = sum(r["usage"]["total_tokens"] for r in got) / 1e6
        budget = [r for r in got if r["status"] == "failed"]
        assert budget and {r["error"]["type"] for r in budget} == {"budget"} and spent <= 0.03
        assert "--batch --run b" in budget[0]["error"]["message"]
        assert submit(server, articles, "b", "--max-cost", "1", "--prices", str(prices)).exit_code == 0
        assert collect("b", "--prices", str(prices)).exit_code == 0
    assert [r["status"] for r in records_of("b")] == ["ok"] * 25


def test_files_split_at_the_request_and_byte_limits(clean_server: FakeServerProcess, articles: Path) -> None:
    assert submit(clean_server, articles, "split", "--batch-max-bytes", "100000").exit_code == 0
    with _store() as db:
        sizes = db.execute("SELECT requests, bytes FROM batches ORDER BY id").fetchall()
    assert sum(n for n, _ in sizes) == 25 and len(sizes) > 2
    assert all(size <= 100_000 for _, size in sizes) and all(n >= 1 for n, _ in sizes)
    assert collect("split").exit_code == 0


def _store() -> sqlite3.Connection:
    return sqlite3.connect(os.environ["AIMLABEL_STORE"])


def test_an_offline_run_round_trips_through_another_engine(articles: Path, tmp_path: Path, clean_server: FakeServerProcess) -> None:
    live = cli("label", str(articles), "--run", "live", "--base-url", clean_server.base_url, "--model", "fake", "--no-cache",
               "-q", "-o", str(tmp_path / "live.jsonl"))
    assert live.exit_code == 0
    requests = tmp_path / "requests.jsonl"
    prepared = cli("batch", "prepare", str(articles), "--model", "fake", "--run", "local", "-o", str(requests))
    assert prepared.exit_code == 0, prepared.stderr
    assert "vllm.entrypoints.openai.run_batch" in prepared.stderr
    outputs = engine(requests, tmp_path / "results.jsonl", invalid_first=3)
    first = cli("batch", "collect", "local", "--output-file", str(outputs))
    assert first.exit_code == 4 and "3 article(s) need another request" in first.stderr
    follow_up = tmp_path / "requests.2.jsonl"
    assert len(follow_up.read_text().splitlines()) == 3
    done = cli("batch", "collect", "local", "--output-file", str(engine(follow_up, tmp_path / "results.2.jsonl")),
               "-o", str(tmp_path / "offline.jsonl"))
    assert done.exit_code == 0, done.stderr
    offline, plain = records(tmp_path / "offline.jsonl"), records(tmp_path / "live.jsonl")
    for record in offline[:3]:
        assert record["attempts"] == {"requests": 2, "answers": 2, "fix_rounds": 0}
    assert [comparable(r) for r in offline[3:]] == [comparable(r) for r in plain[3:]]
    assert [r["label"] for r in offline] == [r["label"] for r in plain]


def engine(requests: Path, out: Path, invalid_first: int = 0, answerer: Answerer | None = None,
           seen: Counter[str] | None = None) -> Path:
    """What an offline engine does with a request file: one output line per request (the fake's answers).
    `seen` counts the answers given per request body across files, as the fake server does: with an
    `answerer` that ignores `n`, a repeated request gets the next sample."""
    answerer = answerer or Answerer(default_taxonomy())
    seen = Counter() if seen is None else seen
    with requests.open() as fh, out.open("w") as sink:
        for number, line in enumerate(fh):
            row = json.loads(line)
            digest = json.dumps(row["body"], sort_keys=True)
            body = answerer.completion(row["body"], "invalid" if number < invalid_first else None, repeat=seen[digest])
            seen[digest] += 1
            sink.write(json.dumps({"id": f"vllm-{number}", "custom_id": row["custom_id"], "error": None,
                                   "response": {"status_code": 200, "request_id": f"v{number}", "body": body}}) + "\n")
    return out


def test_a_recorded_batch_run_replays_offline_with_the_same_records(clean_server: FakeServerProcess, articles: Path, tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    assert submit(clean_server, articles, "r", "--record", str(rec)).exit_code == 0
    assert collect("r", "-o", str(tmp_path / "batch.jsonl")).exit_code == 0
    replay = cli("label", str(articles), "--replay", str(rec), "--no-store", "-q", "-o", str(tmp_path / "replay.jsonl"))
    assert replay.exit_code == 0, replay.stderr
    replayed, batch = records(tmp_path / "replay.jsonl"), records(tmp_path / "batch.jsonl")
    assert {r["provenance"]["source"] for r in replayed} == {"replay"}
    assert [comparable(r) for r in replayed] == [comparable(r) for r in batch]


def test_live_and_batch_runs_do_not_resume_each_other(clean_server: FakeServerProcess, articles: Path) -> None:
    assert cli("label", str(articles), "--run", "l", "--base-url", clean_server.base_url, "--model", "fake", "-q").exit_code == 0
    refused = submit(clean_server, articles, "l")
    assert refused.exit_code == 2 and "different api" in refused.stderr
    assert submit(clean_server, articles, "b").exit_code == 0
    live = cli("label", str(articles), "--run", "b", "--base-url", clean_server.base_url, "--model", "fake", "-q")
    assert live.exit_code == 2 and "different api" in live.stderr
    not_batch = cli("batch", "status", "l")
    assert not_batch.exit_code == 2 and "a live run, not a batch run" in not_batch.stderr


def test_batch_options_that_cannot_work_are_usage_errors(articles: Path) -> None:
    assert "needs an input file" in cli("label", "-", "--batch", "--model", "m", "--base-url", "http://x/v1").stderr
    assert "drop -o" in cli("label", str(articles), "--batch", "--model", "m", "--base-url", "http://x/v1", "-o", "x").stderr
    assert "drop --no-store" in cli("label", str(articles), "--batch", "--model", "m", "--base-url", "http://x/v1", "--no-store").stderr
    assert "drop --max-tokens-field" in cli("label", str(articles), "--batch", "--model", "m", "--base-url", "http://x/v1",
                                            "--max-tokens-field", "max_tokens").stderr
    assert cli("batch", "collect", "nope").exit_code == 2


def test_plan_prices_a_batch_at_batch_rates(articles: Path) -> None:
    live = cli("plan", str(articles), "--model", "gpt-4o-mini", "--json")
    batch = cli("plan", str(articles), "--model", "gpt-4o-mini", "--json", "--batch")
    live_plan, batch_plan = json.loads(live.stdout), json.loads(batch.stdout)
    assert batch_plan["batch"] is True and batch_plan["price_in_per_million"] == 0.075
    assert batch_plan["estimated_cost_usd"] == pytest.approx(live_plan["estimated_cost_usd"] / 2)


def test_unreadable_lines_and_repeated_ids_each_get_their_failed_record(clean_server: FakeServerProcess, tmp_path: Path) -> None:
    articles = tmp_path / "mixed.jsonl"
    write_articles(articles, 3)
    with articles.open("a", encoding="utf-8") as fh:
        fh.write("{not json\n")
        fh.write(json.dumps({"id": "a001", "title": "The same id again", "text": "Another story entirely. More."}) + "\n")
    sent = submit(clean_server, articles, "m")
    assert sent.exit_code == 0 and "mixed.jsonl:4: skipped" in sent.stderr
    assert collect("m").exit_code == 1
    got = records_of("m")
    assert [(r["id"], r["status"]) for r in got] == [("a000", "ok"), ("a001", "ok"), ("a002", "ok"), (f"{articles}:4", "failed"),
                                                     (f"{articles}:5", "failed")]
    assert got[3]["error"]["type"] == "invalid_input" and "line 4" in got[3]["error"]["message"]
    assert got[4]["error"]["type"] == "invalid_input" and "duplicate id 'a001'" in got[4]["error"]["message"]  # as live runs do
    with _store() as db:
        assert db.execute("SELECT custom_id FROM batch_steps ORDER BY seq").fetchall() == [("a000",), ("a001",), ("a002",)]


def test_cancelling_an_offline_run_settles_its_waiting_articles(articles: Path, tmp_path: Path) -> None:
    assert cli("batch", "prepare", str(articles), "--model", "fake", "--run", "o", "-o", str(tmp_path / "r.jsonl")).exit_code == 0
    cancelled = cli("batch", "cancel", "o")
    assert cancelled.exit_code == 0 and "dropped" in cancelled.stderr
    settled = cli("batch", "collect", "o")
    assert settled.exit_code == 1, settled.stderr
    assert {r["error"]["type"] for r in records_of("o")} == {"batch_cancelled"}


def test_the_answer_cache_serves_a_batch_run_and_batch_answers_fill_it(clean_server: FakeServerProcess, articles: Path) -> None:
    assert cli("label", str(articles), "--run", "warm", "--base-url", clean_server.base_url, "--model", "fake", "-q").exit_code == 0
    sent = submit(clean_server, articles, "cold")
    assert sent.exit_code == 0 and "nothing to send" in sent.stderr
    assert clean_server.stats()["batch"]["lines"] == 0
    assert {r["cached"] for r in records_of("cold")} == {True}
    assert submit(clean_server, articles, "paid", "--no-cache").exit_code == 0 and collect("paid").exit_code == 0
    assert clean_server.stats()["batch"]["lines"] == 25


def test_a_crash_between_a_call_and_its_record_never_uploads_or_creates_twice(clean_server: FakeServerProcess, articles: Path) -> None:
    """The two windows a SIGKILL can hit: after an upload before its file id is stored, and after a
    create before its batch id is stored. The next send finds what was made instead of making it again."""
    import asyncio

    from aimlabel.cli.batch import batch_config
    from aimlabel.cli.options import ModelOptions
    from aimlabel.model.factory import open_batch_api
    from aimlabel.run.batch_job import _pass, begin_run
    from aimlabel.run.batch_submit import remote_name, send
    from aimlabel.run.pricing import load_prices
    from aimlabel.run.store import RunStore

    options = ModelOptions(model="fake", base_url=clean_server.base_url, api_key=KEY, mode="json_schema", replay=None,  # type: ignore[arg-type]
                           full_replay=False, max_article_tokens=2000, max_reasks=2, retries=1, timeout=10, temperature=0.0,
                           max_completion_tokens=None, concurrency=1, prompt_file=None, store=None, no_store=False, prices=None,
                           fix_rounds=1, no_rules=False, max_ai_principles=5, max_response_bytes=4 << 20)
    config = batch_config(str(articles), options, input_format="auto", encoding="utf-8", max_cost=None, record=None,  # type: ignore[arg-type]
                          no_cache=True, max_requests=10)
    with RunStore(Path(os.environ["AIMLABEL_STORE"])) as store:
        run, _ = begin_run(store, "crash", config, KEY, load_prices())
        asyncio.run(_pass(run, None, lambda _: None))  # no API: the files stay sealed on disk
        first, second = run.tables.batches(run.run_id, "sealed")[:2]
        api = open_batch_api(run.settings)
        try:
            made = api.upload(Path(first.local_path or ""), remote_name("crash", first.id))  # uploaded; killed before storing
            run.tables.update_batch(first.id, state="uploading")
            send(run, api, run.tables.batch(first.id))
            send(run, api, run.tables.batch(second.id))
            remote = api.retrieve(run.tables.batch(second.id).batch_id or "")
            run.tables.update_batch(second.id, state="creating", batch_id=None)  # created; killed before storing
            send(run, api, run.tables.batch(second.id))
        finally:
            api.close()
        assert run.tables.batch(first.id).file_id == made.id
        assert run.tables.batch(second.id).batch_id == remote.id
    stats = clean_server.stats()["batch"]
    assert (stats["uploads"], stats["created"]) == (2, 2)
    assert collect("crash").exit_code == 0
    assert [r["status"] for r in records_of("crash")] == ["ok"] * 25


def test_what_failed_attempts_cost_still_counts_after_a_resume(articles: Path) -> None:
    with start_fake_server(max_seconds=120, rate_invalid=0.3, seed=2) as server:
        assert submit(server, articles, "t", "--max-reasks", "0", "--no-cache").exit_code == 0
        assert collect("t").exit_code == 1, "some answers fail validation with no re-ask left"
        failed = [r for r in records_of("t") if r["status"] == "failed"]
        assert failed and {r["error"]["type"] for r in failed} == {"invalid_answer"}
        assert submit(server, articles, "t", "--max-reasks", "0", "--no-cache").exit_code == 0
        collect("t")
        lines = server.stats()["batch"]["lines"]
    assert lines > 25
    runs = [row.split("\t") for row in cli("runs").stdout.splitlines()[1:]]
    assert [int(row[6]) for row in runs if row[0] == "t"] == [lines * 1050], "every line run is paid for, failed ones too"
