"""Run store, cache, resume and budget: a run never pays twice and never loses a label."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.core.record import LabelRecord
from aimlabel.core.resources import examples_dir
from aimlabel.model.base import ModelSettings, RetryPolicy
from aimlabel.model.http import current_call
from aimlabel.run.job import JobError, JobResult, LabelJob, run_label_job
from aimlabel.run.pricing import PriceTable, load_prices
from aimlabel.run.store import MIGRATIONS, RunStore
from aimlabel.testing.fakes import Reply, ScriptedModel, chat_completion
from conftest import example_answers

ARTICLES = str(examples_dir() / "articles.jsonl")
NO_WAIT = RetryPolicy(max_retries=1, base_wait=0, max_wait=0, honour_retry_after_up_to=0)


def _fake(fail: set[str] | None = None) -> ScriptedModel:
    answers = example_answers()

    def answer(_: dict[str, Any]) -> Reply:
        key = current_call.get().item_key
        if fail and key in fail:
            return Reply(500, {"error": {"message": "boom"}})
        return Reply(200, chat_completion(answers[key], model="gpt-4o-mini-2024-07-18", usage=(1000, 500)))

    return ScriptedModel(answer_for=answer)


def _run(store: RunStore, fake: ScriptedModel, **kw: Any) -> tuple[JobResult, list[LabelRecord]]:
    out: list[LabelRecord] = []
    job = LabelJob(input=ARTICLES, settings=ModelSettings(model="gpt-4o-mini", base_url="http://fake.invalid/v1",
                                                         api_key="sk-test-abcdefgh", retry=NO_WAIT),
                   store=store, transport=fake.transport(), **kw)
    return run_label_job(job, out.append), out


def test_repeated_run_is_served_from_cache_with_zero_calls(tmp_path: Path) -> None:
    fake = _fake()
    with RunStore(tmp_path / "s.sqlite") as store:
        first, out1 = _run(store, fake)
        calls = len(fake.requests)
        second, out2 = _run(store, fake)
    assert calls == 5 and len(fake.requests) == 5
    assert second.cache_hits == 5 and second.cost == 0 and second.tokens == 0
    assert [r.label for r in out2] == [r.label for r in out1]
    assert all(r.cached and r.attempts.requests == 0 for r in out2)
    assert first.cost == pytest.approx(5 * (1000 * 0.15 + 500 * 0.60) / 1e6)


def test_failures_are_never_cached(tmp_path: Path) -> None:
    with RunStore(tmp_path / "s.sqlite") as store:
        _run(store, _fake(fail={"ex-003"}))
        fake = _fake()
        _, out = _run(store, fake)
    assert len(fake.requests) == 1
    assert [r.cached for r in out] == [True, True, False, True, True]


def test_resume_sends_only_unfinished_articles(tmp_path: Path) -> None:
    with RunStore(tmp_path / "s.sqlite") as store:
        first, _ = _run(store, _fake(fail={"ex-002", "ex-004"}), run_name="daily", use_cache=False)
        assert (first.totals.ok, first.totals.failed) == (3, 2)
        fake = _fake()
        second, out = _run(store, fake, run_name="daily", use_cache=False)
        exported = list(store.export(store.find_run("daily").id))  # type: ignore[union-attr]
        runs = store.list_runs()
    assert len(fake.requests) == 2
    assert second.totals.resumed == 3 and second.totals.ok == 5
    assert [r.id for r in out] == [r.id for r in exported] == ["ex-001", "ex-002", "ex-003", "ex-004", "ex-005"]
    assert all(r.status == "ok" for r in exported)
    assert len(runs) == 1 and runs[0].status == "finished" and runs[0].counts == {"ok": 5}


def test_resume_refuses_changed_settings(tmp_path: Path) -> None:
    with RunStore(tmp_path / "s.sqlite") as store:
        _run(store, _fake(), run_name="r1")
        with pytest.raises(JobError, match="different max_article_tokens"):
            _run(store, _fake(), run_name="r1", max_article_tokens=100)


def test_budget_stops_cleanly_and_resumes(tmp_path: Path) -> None:
    prices = PriceTable(models={"gpt-4o-mini": load_prices().models["gpt-4o-mini"]})
    one = (1000 * 0.15 + 500 * 0.60) / 1e6
    with RunStore(tmp_path / "s.sqlite") as store:
        res, out = _run(store, _fake(), run_name="b", max_cost=one * 1.5, prices=prices, concurrency=1, use_cache=False)
        assert res.totals.stopped is not None and res.totals.stopped.type == "budget"
        assert [r.status for r in out] == ["ok", "ok", "failed", "failed", "failed"]
        assert out[2].error is not None and "--run b" in out[2].error.message
        fake = _fake()
        res2, out2 = _run(store, fake, run_name="b", max_cost=1.0, prices=prices, use_cache=False)
    assert len(fake.requests) == 3 and res2.totals.ok == 5


def test_unknown_price_with_budget_is_refused(tmp_path: Path) -> None:
    with RunStore(tmp_path / "s.sqlite") as store, pytest.raises(JobError, match="needs a price"):
        _run(store, _fake(), max_cost=1.0, prices=PriceTable(models={}))


def test_store_migrations_are_numbered_and_versioned(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    RunStore(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.commit()
    db.close()
    with pytest.raises(RuntimeError, match="newer aimlabel"):
        RunStore(path)


def test_cli_runs_export_and_fail_on_error(tmp_path: Path, _isolated_store: Path) -> None:
    runner = CliRunner()
    mixed = tmp_path / "mixed.jsonl"
    lines = (examples_dir() / "articles.jsonl").read_text().splitlines()
    mixed.write_text(lines[0] + "\n" + '{"id": "unrecorded", "title": "x"}\n')
    rec = str(examples_dir() / "recordings")
    strict = runner.invoke(app, ["label", str(mixed), "--replay", rec, "--run", "mixed", "-q"])
    assert strict.exit_code == 1
    assert "run mixed stored" in strict.stderr
    lenient = runner.invoke(app, ["label", str(mixed), "--replay", rec, "--run", "mixed2", "-q", "--fail-on-error", "0.5"])
    assert lenient.exit_code == 0
    listing = runner.invoke(app, ["runs"])
    assert listing.exit_code == 0
    rows = [line.split("\t") for line in listing.stdout.splitlines()]
    assert rows[0][:2] == ["name", "status"] and [r[0] for r in rows[1:]] == ["mixed", "mixed2"]
    assert [r[4:6] for r in rows[1:]] == [["1", "1"], ["1", "1"]]
    exported = runner.invoke(app, ["export", "mixed"])
    assert [json.loads(x)["id"] for x in exported.stdout.splitlines()] == ["ex-001", "unrecorded"]
    assert exported.stdout == strict.stdout
    assert runner.invoke(app, ["export", "nope"]).exit_code == 2


def test_run_names_work_wherever_a_run_is_expected(tmp_path: Path, _isolated_store: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["label", "--example", "-q", "--run", "demo"]).exit_code == 0
    labels = tmp_path / "demo.jsonl"
    labels.write_text(runner.invoke(app, ["export", "demo"]).stdout)
    by_name = runner.invoke(app, ["compare", "demo", str(labels)])
    assert by_name.exit_code == 0, by_name.stderr
    assert "Class changed: 0 article(s)" in by_name.stdout
    missing = runner.invoke(app, ["compare", "nope", str(labels)])
    assert missing.exit_code == 2 and "labels file not found: nope ('nope' is neither a file nor a run in" in missing.stderr
