"""A batch run labels exactly as a live run: the same request bodies (first requests, re-asks,
rule-check fix rounds, retries), the same parsing and the same records.

Each scenario runs live against a scripted model, then pass by pass through the `BatchAdapter`:
every request it hands back for the next batch must equal, byte for byte as JSON, the request
the live run sent at that point, and it gets the live run's reply as its batch answer. When an
article settles, its record must be the live record (latency aside, which a batch does not
report). Every mode, every kind of exchange.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from aimlabel.core.prompt import default_prompt
from aimlabel.core.record import LabelRecord
from aimlabel.core.schema import label_model
from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.model.base import ModelSettings, RetryPolicy
from aimlabel.model.batch import BatchAdapter, OutputLine, Step, request_line
from aimlabel.model.recording import Exchange
from aimlabel.rules import RuleConfig
from aimlabel.run.pipeline import Labeler
from aimlabel.testing.fakes import Reply, article_title
from conftest import Harness, example_articles, ok_reply

REFUSAL = {"id": "x", "object": "chat.completion", "created": 0, "model": "gpt-x",
           "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                        "message": {"role": "assistant", "content": None, "refusal": "I can't help with that."}}],
           "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10}}


def _script(answers: dict[str, Any], mode: str) -> list[Reply]:
    def ok(label: dict[str, Any], **kw: Any) -> Reply:
        return Reply(200, ok_reply(label, model="gpt-x", mode=mode, **kw))

    return [
        # ex-001: a 429, an answer failing validation (instructor re-asks), then a good one.
        Reply(429, {"error": {"message": "slow"}}), ok(dict(answers["ex-001"], severity="bad")), ok(answers["ex-001"]),
        # ex-002: a 500, then a plain answer.
        Reply(500, {"error": {"message": "boom"}}), ok(answers["ex-002"]),
        # ex-003: evidence the article never says (a rule error, sent back once), then fixed.
        ok(dict(answers["ex-003"], evidence=["words the article never says"])), ok(answers["ex-003"]),
        # ex-004: cut off by the token limit; ex-005: refused twice.
        ok(answers["ex-004"], finish_reason="length"), Reply(200, REFUSAL), Reply(200, REFUSAL),
    ]


def _as_batch_answer(reply: Reply) -> Exchange:
    """The live reply as the output line a batch would have returned for the same request."""
    line = {"custom_id": "x", "response": {"status_code": reply.status, "body": reply.body}, "error": None}
    return OutputLine.parse(json.dumps(line)).exchange()


def _comparable(record: LabelRecord) -> dict[str, Any]:
    data = json.loads(record.to_json())
    data.pop("latency_ms")
    data["provenance"].pop("batch_id")
    return data


@pytest.mark.parametrize("mode", ["json_schema", "tools", "md_json"])
def test_batch_passes_send_the_live_requests_and_give_the_live_records(mode: str, answers: dict[str, Any]) -> None:
    articles = example_articles()
    script = _script(answers, mode)
    live = Harness()
    for reply in script:
        live.fake.replies.append(reply)
    live.run(articles, model="gpt-x", mode=mode, max_reasks=1, rules=RuleConfig())
    assert [r.status for r in live.records] == ["ok", "ok", "ok", "failed", "failed"]
    sent: dict[str, list[tuple[dict[str, Any], Reply]]] = {}
    for body, reply in zip(live.fake.requests, script):
        sent.setdefault(article_title(body) or "", []).append((body, reply))

    settings = ModelSettings(model="gpt-x", base_url="http://fake.invalid/v1", api_key="k", mode=mode, max_reasks=1,  # type: ignore[arg-type]
                             retry=RetryPolicy(max_retries=3))

    async def batch_run() -> tuple[list[LabelRecord], list[int]]:
        adapter = BatchAdapter(settings)
        labeler = Labeler(adapter, default_prompt(), label_model(), default_taxonomy(), rules=RuleConfig())
        records, passes = [], []
        for line, article in enumerate(articles, start=1):
            exchanges = sent[article.title or ""]
            steps: list[Step] = []
            while True:
                adapter.begin(steps)
                record = await labeler.label(article, "test", line)
                if adapter.pending is None:
                    break
                body, reply = exchanges[len(steps)]
                assert json.loads(adapter.pending.body_text) == body, (article.key, len(steps))
                steps.append(Step(adapter.pending.body_hash, _as_batch_answer(reply), f"batch_{len(steps)}"))
            assert len(steps) == len(exchanges), article.key
            records.append(record)
            passes.append(len(steps) + 1)
        await adapter.aclose()
        return records, passes

    records, passes = asyncio.run(batch_run())
    assert sum(passes) - len(passes) == len(live.fake.requests), "one batch request for every live request"
    assert passes[:4] == [4, 3, 3, 2]
    assert [_comparable(r) for r in records] == [_comparable(r) for r in live.records]
    # The batch whose answer settled each article's first request (after a 429 and a re-ask, the third).
    assert [r.provenance.batch_id for r in records if r.provenance][:4] == ["batch_2", "batch_1", "batch_0", "batch_0"]


@pytest.mark.parametrize("mode", ["json_schema", "tools", "md_json"])
def test_body_text_is_the_canonical_json_of_the_body(mode: str) -> None:
    """The shared parts are encoded once, and every body still hashes as `canonical_json` would."""
    from aimlabel.core.hashing import canonical_json
    from aimlabel.core.prompt import render
    from aimlabel.model.batch import BodyText
    from aimlabel.model.openai import OpenAIAdapter

    client = OpenAIAdapter(ModelSettings(model="gpt-x", base_url="http://fake.invalid/v1", mode=mode, max_completion_tokens=99))  # type: ignore[arg-type]
    encode = BodyText()
    for article in [*example_articles(), *example_articles()]:
        messages = render(default_prompt(), article).messages
        for extra in ([], [{"role": "assistant", "content": "{\"a\": \"é\"}"}, {"role": "user", "content": "fix it"}]):
            body = client.request_body([*messages, *extra], label_model())
            assert encode(body) == canonical_json(body)


def test_request_lines_are_batch_api_input_lines(answers: dict[str, Any]) -> None:
    """What the API documents for an input line (custom_id, method, url, body), one JSON object a line."""
    adapter = BatchAdapter(ModelSettings(model="gpt-x", base_url="http://fake.invalid/v1"))
    labeler = Labeler(adapter, default_prompt(), label_model(), default_taxonomy(), rules=None)
    article = example_articles()[0]
    adapter.begin([])
    asyncio.run(labeler.label(article, "test", 1))
    assert adapter.pending is not None
    line = request_line("ex-001 \"quoted\" é", adapter.pending.body_text)
    assert line.endswith("\n") and line.count("\n") == 1
    row = json.loads(line)
    assert set(row) == {"custom_id", "method", "url", "body"}
    assert (row["custom_id"], row["method"], row["url"]) == ("ex-001 \"quoted\" é", "POST", "/v1/chat/completions")
    assert row["body"]["model"] == "gpt-x" and row["body"]["response_format"]["json_schema"]["strict"] is True
    asyncio.run(adapter.aclose())


@pytest.mark.parametrize("line, expected", [
    ({"id": "r1", "custom_id": "a", "response": {"status_code": 200, "request_id": "q", "body": {"id": "c"}}, "error": None},
     {"status": 200, "error": None, "response": {"id": "c"}}),
    ({"id": "r2", "custom_id": "a", "response": {"status_code": 500, "body": {"error": {"message": "boom"}}}, "error": None},
     {"status": 500, "error": None, "response": {"error": {"message": "boom"}}}),
    ({"id": "r3", "custom_id": "a", "response": None, "error": {"code": "batch_expired", "message": "too late"}},
     {"status": None, "error": "batch_expired", "response": {"message": "too late"}}),
    # vLLM run_batch: a failed request has status 400, no body, and the error as a string.
    ({"id": "vllm-1", "custom_id": "a", "response": {"status_code": 400, "request_id": "v", "body": None}, "error": "bad schema"},
     {"status": 400, "error": None, "response": {"error": {"message": "bad schema"}}}),
], ids=["ok", "http-error", "line-error", "vllm-error"])
def test_output_lines_become_the_exchange_a_live_call_sees(line: dict[str, Any], expected: dict[str, Any]) -> None:
    exchange = OutputLine.parse(json.dumps(line)).exchange()
    assert {"status": exchange.status, "error": exchange.error, "response": exchange.response} == expected


def test_an_unreadable_output_line_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="not a batch output line"):
        OutputLine.parse('{"response": null}')


def test_a_request_that_keeps_expiring_fails_after_the_retries_and_a_cancelled_one_at_once() -> None:
    settings = ModelSettings(model="gpt-x", base_url="http://fake.invalid/v1", retry=RetryPolicy(max_retries=2))
    adapter = BatchAdapter(settings, keep_exchanges=True)
    labeler = Labeler(adapter, default_prompt(), label_model(), default_taxonomy(), rules=None)

    def settle(code: str) -> tuple[LabelRecord, int]:
        answer = OutputLine.parse(json.dumps({"custom_id": "x", "response": None, "error": {"code": code, "message": "too late"}}))
        steps: list[Step] = []
        while True:
            adapter.begin(steps)
            record = asyncio.run(labeler.label(example_articles()[0], "test", 1))
            if adapter.pending is None:
                return record, len(steps)
            steps.append(Step(adapter.pending.body_hash, answer.exchange(), f"batch_{len(steps)}"))

    record, sent = settle("batch_expired")
    assert sent == 3 and record.status == "failed" and record.error is not None
    assert record.error.type == "connection" and "batch_expired: too late" in record.error.message
    assert record.attempts.requests == 3 and adapter.replayable(), "an expired request replays as a dropped connection"
    record, sent = settle("batch_cancelled")
    assert sent == 1 and record.error is not None and record.error.type == "batch_cancelled"
    assert not adapter.replayable()
    asyncio.run(adapter.aclose())
