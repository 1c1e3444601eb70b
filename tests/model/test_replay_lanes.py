"""Replay's fast lane (recorded answers parsed without the HTTP client) gives the same records
as the full lane (every request through the openai client), on every recording we ship and on
recordings holding every kind of exchange, in every mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aimlabel.core.resources import examples_dir
from aimlabel.evaluation.labelling import label_gold
from aimlabel.model.base import ModelSettings
from aimlabel.model.recording import RecordingReader
from aimlabel.rules import RuleConfig
from aimlabel.run.job import LabelJob, run_label_job
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
