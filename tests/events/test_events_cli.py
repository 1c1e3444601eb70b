"""`aimlabel events` as a user runs it, against the fake server as a real process (real sockets,
the real openai client and instructor): records, exit codes, record then replay, modes, faults."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.testing.fakeserver import FakeServerProcess, start_fake_server

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "events"
LABELS, ARTICLES = str(DATA / "labels.jsonl"), str(DATA / "articles.jsonl")
SCHEMA = json.loads((ROOT / "schemas" / "event_record.schema.json").read_text(encoding="utf-8"))
SECRET = "sk-test-EVENTS-SECRET-0123456789"
runner = CliRunner()


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServerProcess]:
    with start_fake_server(latency=0.01, max_seconds=120) as running:
        yield running


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def live(server: FakeServerProcess, *args: str) -> list[str]:
    return ["events", LABELS, "--articles", ARTICLES, "--model", "fake", "--base-url", server.base_url, "--api-key", SECRET,
            "--retries", "0", *args]


def test_events_are_written_over_http_recorded_and_replayed(server: FakeServerProcess, tmp_path: Path) -> None:
    before = server.stats()["chat_requests"]
    out, rec = tmp_path / "live.jsonl", tmp_path / "rec"
    result = runner.invoke(app, live(server, "--record", str(rec), "-o", str(out)))
    assert result.exit_code == 0, result.stderr
    assert server.stats()["chat_requests"] - before == 2  # one call per event
    got = records(out)
    for raw in got:
        jsonschema.validate(raw, SCHEMA)
    assert [(r["event_id"], r["written"]["status"]) for r in got] == [("robotaxi", "ok"), ("voice", "ok")]
    robotaxi = got[0]["written"]
    assert robotaxi["title"] == "Event: Robotaxi drags pedestrian after collision"  # the earliest supporting article comes first
    assert robotaxi["articles_sent"] == ["rt-1", "rt-2", "rt-6"]
    assert {x["id"] for x in robotaxi["articles_left_out"]} == {"rt-3", "rt-4", "rt-5"}
    assert robotaxi["provenance"]["source"] == "live" and robotaxi["provenance"]["model_served"] == "fake"
    assert robotaxi["findings"] == [] and got[0]["title"] == robotaxi["title"]
    assert "2 event(s) from 8 article(s): AI Incident 1, AI Hazard 1; 2 outlier(s); written: 2 ok" in result.stderr
    assert SECRET not in out.read_text() + "".join(p.read_text() for p in rec.rglob("*.json"))

    for extra in ([], ["--full-replay"]):
        again = tmp_path / f"replay{len(extra)}.jsonl"
        replayed = runner.invoke(app, ["events", LABELS, "--articles", ARTICLES, "--replay", str(rec), "-o", str(again), *extra])
        assert replayed.exit_code == 0, replayed.stderr
        back = records(again)
        assert [r["written"]["rationale"] for r in back] == [r["written"]["rationale"] for r in got]
        assert {r["written"]["provenance"]["source"] for r in back} == {"replay"}


@pytest.mark.parametrize("mode", ["tools", "md_json"])
def test_every_schema_mode_gets_the_same_event_text(server: FakeServerProcess, tmp_path: Path, mode: str) -> None:
    out = tmp_path / "events.jsonl"
    result = runner.invoke(app, live(server, "--mode", mode, "-o", str(out)))
    assert result.exit_code == 0, result.stderr
    assert [r["written"]["status"] for r in records(out)] == ["ok", "ok"]
    assert records(out)[1]["written"]["title"] == "Event: Voice model too dangerous to release, its makers say"


def test_answers_that_never_fit_the_schema_fail_the_event_and_exit_1(tmp_path: Path) -> None:
    with start_fake_server(rate_invalid=1.0, max_seconds=60) as bad:
        out = tmp_path / "events.jsonl"
        result = runner.invoke(app, live(bad, "--max-reasks", "1", "-o", str(out)))
        assert bad.stats()["chat_requests"] == 4  # two events, each asked and re-asked once
    assert result.exit_code == 1
    got = records(out)
    assert [(r["written"]["status"], r["written"]["error"]["type"]) for r in got] == [("failed", "invalid_answer")] * 2
    assert got[0]["classification"]["label"] == "AI Incident"  # the rest of the record is there
    assert "event:robotaxi: not written: invalid_answer" in result.stderr


def test_an_unreachable_server_stops_the_calls_with_exit_3(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    result = runner.invoke(app, ["events", str(DATA / "ungrouped.jsonl"), "--group", "--model", "m", "--base-url", "http://127.0.0.1:9/v1",
                                 "--api-key", "k", "--retries", "0", "--timeout", "2", "--concurrency", "1", "-o", str(out)])
    assert result.exit_code == 3, result.stderr
    got = records(out)
    assert [r["written"]["status"] for r in got] == ["failed"] * 3 + ["not_attempted"] * 3
    assert {r["written"]["error"]["type"] for r in got[:3]} == {"connection"}
    assert "event calls stopped early" in result.stderr and "could not be reached for 3 articles" in result.stderr


def test_without_a_model_the_records_say_nothing_was_written(tmp_path: Path) -> None:
    result = runner.invoke(app, ["events", LABELS])
    assert result.exit_code == 0, result.stderr
    got = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["written"]["status"] for r in got] == ["not_requested", "not_requested"]
    assert all(r["written"]["title"] is None and r["title"] is None for r in got)
    assert "titles, summaries and event rationales were not written" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--record", "r", "--replay", "x"], "--record and --replay cannot be used together"),
    (["--against", LABELS], "--against only applies to --html"),
    (["--full-replay"], "--full-replay only applies to --replay"),
    (["--articles", "missing.jsonl"], "file not found: missing.jsonl"),
    (["--replay", "no-such-dir"], "is not an aimlabel recording"),
])
def test_usage_errors_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["events", LABELS, *args])
    assert result.exit_code == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_article_given_twice_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["events", LABELS, LABELS])
    assert result.exit_code == 2
    assert "article id(s) appear more than once across the inputs: rt-1, rt-2, rt-3, rt-4, rt-5 and 3 more" in result.stderr


def test_an_unreadable_line_is_named_and_the_rest_are_built(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text((DATA / "labels.jsonl").read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    result = runner.invoke(app, ["events", str(path)])
    assert result.exit_code == 1
    assert f"{path}:9: skipped: not JSON" in result.stderr
    assert len(result.stdout.splitlines()) == 2


def test_label_a_run_then_build_its_events_from_the_store(server: FakeServerProcess, tmp_path: Path) -> None:
    """The whole workflow over HTTP: `aimlabel label --run NAME`, then `aimlabel events NAME`."""
    from aimlabel.core.taxonomy import default_taxonomy
    from aimlabel.rules import derive_event_label

    store = str(tmp_path / "runs.sqlite")
    labelled = runner.invoke(app, ["label", ARTICLES, "--model", "fake", "--base-url", server.base_url, "--api-key", SECRET,
                                   "--run", "daily", "--store", store, "-q", "-o", str(tmp_path / "labels.jsonl")])
    assert labelled.exit_code == 0, labelled.stderr
    out = tmp_path / "events.jsonl"
    result = runner.invoke(app, ["events", "daily", "--store", store, "--model", "fake", "--base-url", server.base_url,
                                 "--api-key", SECRET, "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    labels = [json.loads(line) for line in (tmp_path / "labels.jsonl").read_text(encoding="utf-8").splitlines()]
    got = records(out)
    assert [r["event_id"] for r in got] == ["robotaxi", "voice"]
    for event in got:
        classes = [r["label"]["classification"] for r in labels if r["article"]["event_id"] == event["event_id"]]
        assert event["classification"]["label"] == derive_event_label(classes, default_taxonomy())
        assert [a["id"] for a in event["articles"]] == [r["id"] for r in labels if r["article"]["event_id"] == event["event_id"]]
        assert event["written"]["status"] == "ok", event["written"]["findings"]
