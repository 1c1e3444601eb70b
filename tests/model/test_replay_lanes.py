"""Replay's fast lane (recorded answers parsed without the HTTP client) gives the same records
as the full lane (every request through the openai client), on every recording we ship and on
recordings holding every kind of exchange, in every mode."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from aimlabel.core.resources import examples_dir
from aimlabel.evaluation.labelling import label_gold
from aimlabel.model.base import ModelSettings, RetryPolicy
from aimlabel.model.recording import RecordingReader
from aimlabel.rules import RuleConfig
from aimlabel.run.job import LabelJob, run_label_job
from aimlabel.testing.fakes import Reply, ScriptedModel
from conftest import Harness, example_articles, ok_reply

ROOT = Path(__file__).resolve().parents[2]


def _replay_both_ways(articles: Path, recording: Path) -> tuple[list[str], list[str], int, int]:
    lanes = []
    for fast in (True, False):
        reader = RecordingReader(recording)
        records, result = label_gold(articles, ModelSettings(model=reader.models().pop()), replay=reader,
                                     fast_replay=fast, concurrency=4)
        lanes.append(([r.to_json() for r in records], result.fast_replays))
    (fast_json, fast_hits), (full_json, full_hits) = lanes
    return fast_json, full_json, fast_hits, full_hits


@pytest.mark.parametrize("articles, recording", [
    (ROOT / "eval" / "gold.jsonl", ROOT / "eval" / "recordings" / "fixture"),
    (examples_dir() / "articles.jsonl", examples_dir() / "recordings"),
], ids=["eval-fixture", "examples"])
def test_lanes_give_identical_records_on_bundled_recordings(articles: Path, recording: Path) -> None:
    fast, full, fast_hits, full_hits = _replay_both_ways(articles, recording)
    records = [json.loads(r) for r in fast]
    assert all(r["status"] != "failed" and r["attempts"]["requests"] == r["attempts"]["answers"] for r in records), (
        "every request the replay makes should find its recorded answer")
    assert full_hits == 0
    assert fast_hits >= len(fast) * 0.9, "the fast lane should serve nearly every plain recorded answer"
    assert fast == full


def test_lanes_agree_on_every_kind_of_exchange_in_every_mode(tmp_path: Path, answers: dict) -> None:
    arts = example_articles()
    refusal = {"id": "x", "object": "chat.completion", "created": 0, "model": "gpt-x",
               "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                            "message": {"role": "assistant", "content": None, "refusal": "I can't help with that."}}],
               "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10}}
    for mode in ("json_schema", "tools", "md_json"):
        rec_dir = tmp_path / mode
        live = Harness()
        fake = live.fake
        # ex-001: a 429, an answer failing validation (instructor re-asks), then a good one.
        fake.queue({"error": {"message": "slow"}}, status=429, headers={"retry-after": "1"})
        fake.queue(ok_reply(dict(answers["ex-001"], severity="bad"), model="gpt-x", mode=mode))
        fake.queue(ok_reply(answers["ex-001"], model="gpt-x", mode=mode))
        # ex-002: a plain answer.
        fake.queue(ok_reply(answers["ex-002"], model="gpt-x", mode=mode))
        # ex-003: an answer whose evidence is not in the article (a rule error, sent back once), then fixed.
        fake.queue(ok_reply(dict(answers["ex-003"], evidence=["words the article never says"]), model="gpt-x", mode=mode))
        fake.queue(ok_reply(answers["ex-003"], model="gpt-x", mode=mode))
        # ex-004: cut off by the token limit; ex-005: refused.
        fake.queue(ok_reply(answers["ex-004"], model="gpt-x", mode=mode, finish_reason="length"))
        fake.queue(refusal).queue(refusal)
        live.run(arts, record=rec_dir, model="gpt-x", mode=mode, max_reasks=1, rules=RuleConfig())
        assert [r.status for r in live.records] == ["ok", "ok", "ok", "failed", "failed"], mode

        replays = {}
        for fast in (True, False):
            h = Harness()
            h.run(arts, replay=rec_dir, model="gpt-x", mode=mode, max_reasks=1, rules=RuleConfig(), fast_replay=fast)
            assert h.fake.requests == []
            replays[fast] = [json.loads(r.to_json()) for r in h.records]
            if fast:
                assert h.adapter is not None and 2 <= h.adapter.fast_replays < 8, mode
        assert replays[True] == replays[False], mode
        assert [r["status"] for r in replays[True]] == ["ok", "ok", "ok", "failed", "failed"]


def test_fast_lane_refuses_a_changed_request_so_the_full_lane_reports_it(tmp_path: Path, answers: dict) -> None:
    rec_dir = tmp_path / "rec"
    live = Harness()
    live.fake.queue(ok_reply(answers["ex-002"], model="gpt-x"))
    live.run(example_articles()[1:2], record=rec_dir, model="gpt-x")
    changed = example_articles()[1].model_copy(update={"text": "Edited after recording."})
    h = Harness()
    h.run([changed], replay=rec_dir, model="gpt-x")
    assert h.adapter is not None and h.adapter.fast_replays == 0
    err = h.records[0].error
    assert err is not None and err.type == "replay_mismatch" and "messages" in err.message


def test_a_replay_all_on_the_fast_lane_never_builds_the_openai_client(tmp_path: Path, answers: dict) -> None:
    rec_dir = tmp_path / "rec"
    live = Harness()
    live.fake.queue(ok_reply(answers["ex-002"], model="gpt-x"))
    live.run(example_articles()[1:2], record=rec_dir, model="gpt-x")
    h = Harness()
    h.run(example_articles()[1:2], replay=rec_dir, model="gpt-x")
    assert h.adapter is not None and h.adapter.fast_replays == 1 and h.records[0].status == "ok"
    assert h.adapter._client_and_http is None
    changed = example_articles()[1].model_copy(update={"text": "Edited after recording."})
    full = Harness()
    full.run([changed], replay=rec_dir, model="gpt-x")
    assert full.adapter is not None and full.adapter._client_and_http is not None  # the full lane built it


def test_label_job_reports_fast_replays(tmp_path: Path) -> None:
    reader = RecordingReader(examples_dir() / "recordings")
    job = LabelJob(input=str(examples_dir() / "articles.jsonl"), settings=ModelSettings(model=reader.models().pop()),
                   replay=reader)
    records: list = []
    result = run_label_job(job, records.append)
    assert result.fast_replays == len(records) == 5


def test_fast_lane_only_takes_json_answers(tmp_path: Path, answers: dict) -> None:
    rec_dir = tmp_path / "rec"
    live = Harness()
    live.fake.queue(ok_reply(answers["ex-002"], model="gpt-x"))
    live.run(example_articles()[1:2], record=rec_dir, model="gpt-x")
    (item,) = (rec_dir / "items").glob("*.json")
    data = json.loads(item.read_text())
    data["exchanges"][0]["headers"] = {"Content-Type": "text/html"}
    item.write_text(json.dumps(data))
    lanes = {}
    for fast in (True, False):
        h = Harness()
        h.run(example_articles()[1:2], replay=rec_dir, model="gpt-x", fast_replay=fast)
        assert h.adapter is not None and h.adapter.fast_replays == 0
        lanes[fast] = [r.to_json() for r in h.records]
    assert lanes[True] == lanes[False]


def test_bundled_example_recording_is_what_the_recorder_makes_now(tmp_path: Path) -> None:
    """Fixture recordings are deterministic (times are zero), so a stale one shows as a diff."""
    from aimlabel.testing.fixtures import load_answers, record_fixture_answers

    bundled = examples_dir() / "recordings"
    answers = load_answers(examples_dir() / "fixture_answers.jsonl")
    record_fixture_answers(examples_dir() / "articles.jsonl", answers, tmp_path / "rec")
    made = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "rec" / "items").glob("*.json")}
    assert made == {p.name: p.read_text(encoding="utf-8") for p in (bundled / "items").glob("*.json")}, (
        "the bundled example recording is stale: python scripts/record_fixtures.py "
        "src/aimlabel/examples/articles.jsonl src/aimlabel/examples/fixture_answers.jsonl src/aimlabel/examples/recordings")


def test_duplicate_ids_fail_by_line_so_both_lanes_replay_alike_at_any_concurrency(tmp_path: Path, answers: dict) -> None:
    """Two articles under one id used to share one recording file, and which answer each got
    back in replay depended on scheduling. The later line now fails naming the first, so the
    recording holds one article per id and every lane at every concurrency gives the same records."""
    arts = example_articles()[:3]
    by_title = {a.title: answers[a.key] for a in arts}
    rows = [a.model_dump(mode="json", exclude_none=True) for a in arts]
    twins = [dict(r, text=f"{r.get('text', '')} Another story, filed under the same id.") for r in rows]
    path = tmp_path / "dups.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in [rows[0], twins[0], rows[1], rows[2], twins[1], twins[2]]))

    def answer(body: dict) -> Reply:
        title = re.search(r"^Title: (.*)$", body["messages"][-1]["content"], re.MULTILINE)
        return Reply(body=ok_reply(by_title[title.group(1) if title else ""], model="gpt-x"))

    fake = ScriptedModel(answer_for=answer)
    live = ModelSettings(model="gpt-x", base_url="http://fake.invalid/v1", api_key="sk-test-0123456789", retry=RetryPolicy(max_retries=0))
    rec = tmp_path / "rec"
    run_label_job(LabelJob(input=str(path), settings=live, record=rec, transport=fake.transport(), concurrency=8), lambda _: None)
    assert len(fake.requests) == 3
    replays = {}
    for fast in (True, False):
        for concurrency in (1, 8):
            out: list = []
            run_label_job(LabelJob(input=str(path), settings=ModelSettings(model="gpt-x"), replay=RecordingReader(rec),
                                   fast_replay=fast, concurrency=concurrency), out.append)
            replays[fast, concurrency] = [r.to_json() for r in out]
    assert len({tuple(r) for r in replays.values()}) == 1, "every lane and concurrency gives the same records"
    records = [json.loads(r) for r in replays[True, 1]]
    assert [(r["id"], r["status"]) for r in records] == [
        ("ex-001", "ok"), (f"{path}:2", "failed"), ("ex-002", "ok"), ("ex-003", "ok"), (f"{path}:5", "failed"), (f"{path}:6", "failed")]
    assert {r["error"]["type"] for r in records if r["status"] == "failed"} == {"invalid_input"}
    assert "duplicate id 'ex-001': line 1 has it too" in records[1]["error"]["message"]
