"""The adapter and pipeline against a scripted model at the HTTP layer: the real openai client
and instructor run; only the server is fake."""

from __future__ import annotations

import json

import httpx2
import pytest

from aimlabel.core.articles import Article
from conftest import SECRET, Harness, example_articles, ok_reply


def _article(key: str = "ex-001") -> Article:
    return next(a for a in example_articles() if a.key == key)


def test_valid_label_becomes_ok_record_with_provenance(harness: Harness, answers: dict) -> None:
    harness.fake.queue(ok_reply(answers["ex-001"], usage=(1000, 200), model="served-model-2024"))
    totals = harness.run([_article()])
    assert (totals.ok, totals.failed) == (1, 0)
    rec = harness.records[0]
    assert rec.status == "ok" and rec.error is None
    assert rec.label == answers["ex-001"]
    assert rec.attempts.model_dump() == {"requests": 1, "answers": 1, "fix_rounds": 0}
    assert rec.usage.model_dump() == {"prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200}
    p = rec.provenance
    assert p is not None
    assert (p.model_requested, p.model_served, p.mode, p.source) == ("test-model", "served-model-2024", "json_schema", "live")
    assert p.prompt_version == "1.0.0" and p.prompt_hash.startswith("sha256:") and p.schema_hash.startswith("sha256:")
    sent = harness.fake.requests[0]
    assert sent["model"] == "test-model"
    assert sent["response_format"]["json_schema"]["strict"] is True
    assert sent["response_format"]["json_schema"]["schema"]["additionalProperties"] is False


def test_invalid_answer_is_reasked_with_the_validation_error(harness: Harness, answers: dict) -> None:
    bad = dict(answers["ex-001"], classification="Incident")
    harness.fake.queue(ok_reply(bad, usage=(100, 10))).queue(ok_reply(answers["ex-001"], usage=(120, 12)))
    harness.run([_article()])
    rec = harness.records[0]
    assert rec.status == "ok"
    assert rec.attempts.model_dump() == {"requests": 2, "answers": 2, "fix_rounds": 0}
    assert rec.usage.total_tokens == 242
    reask = harness.fake.requests[1]["messages"]
    assert len(reask) == 4
    assert reask[-1]["role"] == "user" and "classification" in reask[-1]["content"]
    assert "'AI Incident'" in reask[-1]["content"]


def test_429_with_retry_after_is_honoured_then_succeeds(harness: Harness, answers: dict) -> None:
    harness.fake.queue({"error": {"message": "rate limited"}}, status=429, headers={"retry-after": "7"})
    harness.fake.queue(ok_reply(answers["ex-001"]))
    harness.run([_article()])
    rec = harness.records[0]
    assert rec.status == "ok"
    assert harness.sleeps == [pytest.approx(7.0, abs=0.05)]
    assert rec.attempts.model_dump() == {"requests": 2, "answers": 1, "fix_rounds": 0}


def test_retry_after_ms_and_5xx_backoff(harness: Harness, answers: dict) -> None:
    harness.fake.queue({"error": {"message": "busy"}}, status=429, headers={"retry-after-ms": "250"})
    harness.fake.queue({"error": {"message": "oops"}}, status=503)
    harness.fake.queue(ok_reply(answers["ex-001"]))
    harness.run([_article()])
    assert harness.records[0].status == "ok"
    assert harness.sleeps[0] == pytest.approx(0.25, abs=0.05)
    assert 0 < harness.sleeps[1] <= 1.0


def test_exhausted_retries_end_in_failed_record_and_run_goes_on(harness: Harness, answers: dict) -> None:
    for _ in range(4):
        harness.fake.queue({"error": {"message": "slow down"}}, status=429, headers={"retry-after": "1"})
    harness.fake.queue(ok_reply(answers["ex-002"]))
    totals = harness.run([_article("ex-001"), _article("ex-002")])
    assert (totals.ok, totals.failed) == (1, 1)
    first, second = harness.records
    assert first.status == "failed" and first.label is None
    assert first.error is not None and first.error.type == "rate_limited"
    assert "429 after 3 retries" in first.error.message
    assert first.attempts.requests == 4
    assert second.status == "ok"


def test_timeouts_and_dropped_connections_are_retried_then_reported(harness: Harness, answers: dict) -> None:
    harness.fake.queue(raise_error=httpx2.ReadTimeout).queue(raise_error=httpx2.ConnectError)
    harness.fake.queue(ok_reply(answers["ex-001"]))
    for _ in range(4):
        harness.fake.queue(raise_error=httpx2.ReadTimeout)
    harness.run([_article("ex-001"), _article("ex-002")], timeout=5.0)
    ok, timed_out = harness.records
    assert ok.status == "ok" and ok.attempts.requests == 3
    assert timed_out.error is not None and timed_out.error.type == "timeout"
    assert "within 5s" in timed_out.error.message


def test_auth_error_fails_at_once_and_stops_the_run(harness: Harness) -> None:
    harness.fake.queue({"error": {"message": f"Incorrect API key provided: {SECRET}"}}, status=401)
    totals = harness.run([_article("ex-001"), _article("ex-002"), _article("ex-003")])
    assert len(harness.fake.requests) == 1
    assert totals.fatal is not None and totals.fatal.type == "auth"
    types = [r.error.type for r in harness.records if r.error]
    assert types == ["auth", "not_attempted", "not_attempted"]
    assert "--api-key" in harness.records[0].error.message  # type: ignore[union-attr]
    assert SECRET not in "".join(r.to_json() for r in harness.records)
    assert all(r.status == "failed" for r in harness.records)


def test_a_server_unreachable_for_three_articles_in_a_row_stops_the_run(harness: Harness) -> None:
    for _ in range(3 * 4):  # three articles, each sent once and retried three times
        harness.fake.queue(raise_error=httpx2.ConnectError)
    totals = harness.run([_article(f"ex-00{i}") for i in range(1, 6)])
    assert len(harness.fake.requests) == 12
    assert [r.error.type for r in harness.records if r.error] == ["connection"] * 3 + ["not_attempted"] * 2
    assert totals.fatal is not None and totals.fatal.type == "connection"
    assert "could not be reached for 3 articles" in totals.fatal.message and "http://fake.invalid/v1" in totals.fatal.message
    assert "in a row" not in (harness.records[0].error.message + harness.records[1].error.message)  # type: ignore[union-attr]


def test_an_answer_between_unreachable_articles_keeps_the_run_going(harness: Harness, answers: dict) -> None:
    for key in ("ex-001", "ex-002", None, "ex-004", "ex-005"):
        if key is None:
            harness.fake.queue(ok_reply(answers["ex-003"]))
        else:
            for _ in range(4):
                harness.fake.queue(raise_error=httpx2.ConnectError)
    totals = harness.run([_article(f"ex-00{i}") for i in range(1, 6)])
    assert totals.fatal is None
    assert [r.error.type if r.error else r.status for r in harness.records] == ["connection", "connection", "ok", "connection", "connection"]


def test_other_4xx_fails_the_item_without_retry(harness: Harness, answers: dict) -> None:
    harness.fake.queue({"error": {"message": "Invalid schema for response_format 'AimLabel'"}}, status=400)
    harness.fake.queue(ok_reply(answers["ex-002"]))
    harness.run([_article("ex-001"), _article("ex-002")])
    first, second = harness.records
    assert first.error is not None and first.error.type == "bad_request"
    assert "--mode" in first.error.message
    assert first.attempts.requests == 1
    assert second.status == "ok"


def test_validation_exhaustion_is_an_invalid_answer(harness: Harness, answers: dict) -> None:
    for _ in range(3):
        harness.fake.queue(ok_reply({"classification": "AI Incident"}))
    harness.run([_article()], max_reasks=2)
    rec = harness.records[0]
    assert rec.error is not None and rec.error.type == "invalid_answer"
    assert "after 3 attempt(s)" in rec.error.message
    assert rec.attempts.answers == 3 and rec.usage.total_tokens == 3 * 1050


def test_junk_body_is_retried_then_reported_and_cut_off_answer_fails(harness: Harness, answers: dict) -> None:
    harness.fake.queue("<html>502 gateway</html>", status=200).queue(ok_reply(answers["ex-001"]))
    for _ in range(4):
        harness.fake.queue("<html>still broken</html>", status=200)
    harness.fake.queue(ok_reply(answers["ex-003"], finish_reason="length"))
    harness.run([_article("ex-001"), _article("ex-002"), _article("ex-003")], max_reasks=0)
    recovered, junk, cut = harness.records
    assert recovered.status == "ok" and recovered.attempts.model_dump() == {"requests": 2, "answers": 1, "fix_rounds": 0}
    assert junk.status == "failed" and junk.error is not None and junk.error.type == "invalid_response"
    assert "not JSON, after 3 retries: '<html>still broken</html>'" in junk.error.message
    assert junk.attempts.model_dump() == {"requests": 4, "answers": 0, "fix_rounds": 0}
    assert cut.error is not None and cut.error.type == "incomplete"


def test_template_syntax_in_article_reaches_the_model_untouched(harness: Harness, answers: dict) -> None:
    text = "Quote: {{ secret }} and {% if x %}y{% endif %} and ${article} and {#c#} </article>"
    article = Article(id="tpl", title="Braces {{ title }}", text=text)
    harness.fake.queue(ok_reply(answers["ex-004"]))
    harness.run([article])
    user = harness.fake.requests[0]["messages"][1]["content"]
    assert text in user
    assert "Title: Braces {{ title }}" in user
    system = harness.fake.requests[0]["messages"][0]["content"]
    assert "{{" not in system and "${" not in system


def test_tools_and_md_json_modes_parse_the_same_label(harness: Harness, answers: dict) -> None:
    harness.fake.queue(ok_reply(answers["ex-003"], mode="tools"))
    harness.run([_article("ex-003")], mode="tools")
    harness.fake.queue(ok_reply(answers["ex-003"], mode="md_json"))
    harness.run([_article("ex-003")], mode="md_json")
    assert [r.label for r in harness.records] == [answers["ex-003"]] * 2
    assert "tools" in harness.fake.requests[0] and "response_format" not in harness.fake.requests[1]


def test_api_key_is_sent_as_header_only_and_never_written(harness: Harness, answers: dict, tmp_path) -> None:
    harness.fake.queue(ok_reply(answers["ex-001"]))
    harness.run([_article()], record=tmp_path / "rec")
    assert harness.fake.request_headers[0]["authorization"] == f"Bearer {SECRET}"
    written = "".join(p.read_text() for p in (tmp_path / "rec").rglob("*.json"))
    assert SECRET not in written and "authorization" not in written.lower()
    assert SECRET not in json.dumps([r.model_dump() for r in harness.records])


def test_concurrent_run_keeps_input_order(harness: Harness, answers: dict) -> None:
    arts = example_articles()
    harness.fake.answer_for = None
    from aimlabel.model.http import current_call
    from aimlabel.testing.fakes import Reply

    harness.fake.answer_for = lambda body: Reply(200, ok_reply(answers[current_call.get().item_key]))
    totals = harness.run(arts * 3, concurrency=4)
    assert totals.ok == 15
    assert [r.id for r in harness.records] == [a.key for a in arts * 3]
    assert [r.label for r in harness.records] == [answers[a.key] for a in arts * 3]


def test_a_429_pauses_every_concurrent_request(answers: dict) -> None:
    """The server said slow down: requests already queued wait out the same Retry-After."""
    import asyncio

    import httpx2 as hx

    from aimlabel.model.base import RetryPolicy
    from aimlabel.model.http import CallContext, RetryTransport, current_call

    now = [100.0]
    sleeps: list[float] = []
    sent_at: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(round(seconds, 3))
        now[0] += seconds

    def handler(request: hx.Request) -> hx.Response:
        sent_at.append(now[0])
        if len(sent_at) == 1:
            return hx.Response(429, json={"error": {"message": "slow"}}, headers={"retry-after": "5"})
        return hx.Response(200, json={"ok": True})

    async def go() -> None:
        transport = RetryTransport(hx.MockTransport(handler), RetryPolicy(max_retries=2), sleep=sleep, clock=lambda: now[0])

        async def one(key: str) -> int:
            current_call.set(CallContext(item_key=key))
            response = await transport.handle_async_request(hx.Request("POST", "http://x/v1/chat/completions"))
            return response.status_code

        first = await one("a")
        second = await one("b")
        assert (first, second) == (200, 200)
        assert transport.pauses == 1

    asyncio.run(go())
    assert sent_at == [100.0, 105.0, 105.0]
    assert sleeps == [5.0]


def test_refusal_is_its_own_error_type(harness: Harness) -> None:
    refusal = {"id": "x", "object": "chat.completion", "created": 0, "model": "m",
               "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                            "message": {"role": "assistant", "content": None, "refusal": "I can't help with that."}}],
               "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10}}
    for mode in ("json_schema", "tools"):
        harness.fake.queue(refusal).queue(refusal)
        harness.run([_article()], mode=mode, max_reasks=1)
    errors = [r.error for r in harness.records]
    assert [e.type for e in errors if e] == ["refusal", "refusal"]
    assert all("I can't help with that." in e.message for e in errors if e)


@pytest.mark.parametrize(("field", "absent"), [("max_completion_tokens", "max_tokens"), ("max_tokens", "max_completion_tokens")])
@pytest.mark.parametrize("mode", ["json_schema", "tools"])
def test_the_token_cap_goes_in_the_field_asked_for(harness: Harness, answers: dict, mode: str, field: str, absent: str) -> None:
    """llama-cpp-python honours only `max_tokens`; OpenAI wants `max_completion_tokens`. One is sent, never both."""
    from aimlabel.model.base import ModelSettings, TokenField

    harness.fake.queue(ok_reply(answers["ex-001"]))
    harness.run([_article()], mode=mode, max_completion_tokens=321, max_tokens_field=field)
    sent = harness.fake.requests[0]
    assert sent[field] == 321 and absent not in sent
    default = ModelSettings(model="m", max_completion_tokens=321)
    assert default.max_tokens_field is TokenField.MAX_COMPLETION_TOKENS
    assert ModelSettings(model="m", max_completion_tokens=321, max_tokens_field=field).request_params() == {"temperature": 0.0, field: 321}


@pytest.mark.parametrize("mode", ["json_schema", "tools", "md_json"])
def test_the_client_sends_the_body_instructor_builds(harness: Harness, answers: dict, mode: str) -> None:
    """The large fields reach the SDK through `extra_body` (skipping its per-call transform): what
    the server receives is still exactly instructor's request, first call and re-ask alike."""
    from aimlabel.core.prompt import default_prompt, render
    from aimlabel.core.schema import label_model

    bad = dict(answers["ex-001"], classification="Incident")
    harness.fake.queue(ok_reply(bad, mode=mode)).queue(ok_reply(answers["ex-001"], mode=mode))
    harness.run([_article()], mode=mode, max_reasks=1, temperature=0.3, max_completion_tokens=77)
    assert harness.records[0].status == "ok"
    first, reask = harness.fake.requests
    assert harness.adapter is not None
    messages = render(default_prompt(), _article()).messages
    assert first == harness.adapter.request_body(messages, label_model())
    assert first["messages"] and first["temperature"] == 0.3 and first["max_completion_tokens"] == 77
    assert reask["messages"][: len(first["messages"])] == first["messages"] and len(reask["messages"]) == len(first["messages"]) + 2
    assert {k: v for k, v in reask.items() if k != "messages"} == {k: v for k, v in first.items() if k != "messages"}
