"""The live lane (a call's first request sent without the openai client, `model.first_request`) gives
the same records, recordings and requests on the wire as sending every request through the
client, on every kind of exchange and in every mode."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest

from aimlabel.core.articles import Article
from aimlabel.rules import RuleConfig
from conftest import SECRET, Harness, example_answers, example_articles, ok_reply, timeless

MODES = ("json_schema", "tools", "md_json")
REFUSAL = {"id": "x", "object": "chat.completion", "created": 0, "model": "gpt-x",
           "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                        "message": {"role": "assistant", "content": None, "refusal": "I can't help with that."}}],
           "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10}}


def _script(h: Harness, answers: dict[str, Any], mode: str) -> None:
    fake = h.fake
    # ex-001: plain (in the lane-on run, the client's first request of the run: it gives the template).
    fake.queue(ok_reply(answers["ex-001"], model="gpt-x", mode=mode))
    # ex-002: a 429, a transport error, an answer failing validation (instructor re-asks), then a good one.
    fake.queue({"error": {"message": "slow"}}, status=429, headers={"retry-after": "1"})
    fake.queue(raise_error=httpx2.ReadTimeout)
    fake.queue(ok_reply(dict(answers["ex-002"], severity="bad"), model="gpt-x", mode=mode))
    fake.queue(ok_reply(answers["ex-002"], model="gpt-x", mode=mode))
    # ex-003: evidence the article never says (a rule error, sent back for a fix round), then fixed.
    fake.queue(ok_reply(dict(answers["ex-003"], evidence=["words the article never says"]), model="gpt-x", mode=mode))
    fake.queue(ok_reply(answers["ex-003"], model="gpt-x", mode=mode))
    # ex-004: cut off by the token limit; ex-005: refused (tools mode takes it as final, the others re-ask once).
    fake.queue(ok_reply(answers["ex-004"], model="gpt-x", mode=mode, finish_reason="length"))
    fake.queue(REFUSAL)
    if mode != "tools":
        fake.queue(REFUSAL)
    # ex-006: a proxy's HTML page every time (retried, then re-asked once); ex-007: a 500 every time;
    # ex-008: dropped every time.
    for _ in range(8):
        fake.queue("<html>bad gateway</html>", headers={"content-type": "text/html"})
    for _ in range(4):
        fake.queue({"error": {"message": "boom"}}, status=500)
    for _ in range(4):
        fake.queue(raise_error=httpx2.ConnectError)
    # ex-009: a 400 (not retried); ex-010: plain.
    fake.queue({"error": {"message": "bad request: context too long"}}, status=400)
    fake.queue(ok_reply(answers["ex-010"], model="gpt-x", mode=mode))


def _run(tmp_path: Path, answers: dict[str, Any], mode: str, fast_live: bool) -> tuple[Harness, list[Any], dict[str, Any]]:
    h = Harness()
    _script(h, answers, mode)
    rec = tmp_path / f"{mode}-{fast_live}"
    h.run(_articles(), record=rec, model="gpt-x", mode=mode, max_reasks=1, rules=RuleConfig(),
          fast_live=fast_live)
    records = [timeless(json.loads(r.to_json())) for r in h.records]
    recording = {p.name: timeless(json.loads(p.read_text(encoding="utf-8"))) for p in (rec / "items").glob("*.json")}
    return h, records, recording


def _articles() -> list[Article]:
    """The five example articles, then the same five under other ids: ten calls."""
    first = example_articles()[:5]
    return first + [a.model_copy(update={"id": f"{a.id}-again"}) for a in first]


@pytest.fixture(scope="module")
def answers_10() -> dict[str, Any]:
    """The example answers by position, `ex-001` .. `ex-010`, for `_articles()`."""
    found = example_answers()
    return {f"ex-{i + 1:03d}": found[a.key] for i, a in enumerate(example_articles()[:5] * 2)}


@pytest.mark.parametrize("mode", MODES)
def test_both_lanes_give_the_same_records_recordings_and_requests(tmp_path: Path, answers_10: dict[str, Any],
                                                                  mode: str) -> None:
    lane, lane_records, lane_recording = _run(tmp_path, answers_10, mode, fast_live=True)
    client, client_records, client_recording = _run(tmp_path, answers_10, mode, fast_live=False)
    assert [r["status"] for r in lane_records] == [
        "ok", "ok", "ok", "failed", "failed", "failed", "failed", "failed", "failed", "ok"], mode
    assert lane_records == client_records
    assert lane_recording == client_recording
    assert lane.fake.requests == client.fake.requests, "the same requests, in the same order, none sent twice"
    assert lane.fake.replies == client.fake.replies == type(lane.fake.replies)(), "every scripted reply was used"
    assert lane.adapter is not None and client.adapter is not None
    # ex-003's fix round and ex-010 are plain first answers after the template: they skip the client.
    assert lane.adapter.fast_lives >= 3 and client.adapter.fast_lives == 0
    assert not any(SECRET in json.dumps(item) for item in lane_recording.values())


def test_the_lane_sends_the_clients_headers(tmp_path: Path, answers_10: dict[str, Any]) -> None:
    h = Harness()
    for key in ("ex-001", "ex-002", "ex-003"):
        h.fake.queue(ok_reply(answers_10[key], model="gpt-x"))
    h.run(example_articles()[:3], model="gpt-x", rules=RuleConfig())
    assert h.adapter is not None and h.adapter.fast_lives == 2
    first, *rest = ({k: v for k, v in headers.items() if k != "content-length"} for headers in h.fake.request_headers)
    assert first["authorization"] == f"Bearer {SECRET}" and "openai" in first["user-agent"].lower()
    assert all(headers == first for headers in rest)


def test_a_body_the_client_would_not_send_turns_the_lane_off(tmp_path: Path, answers_10: dict[str, Any],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """If instructor's handler ever built another body than the client sends, the lane is never used."""
    from aimlabel.model.openai import OpenAIAdapter

    built = OpenAIAdapter.request_body

    def drifted(self: OpenAIAdapter, messages: list[dict[str, str]], response_model: Any) -> dict[str, Any]:
        return {**built(self, messages, response_model), "seed": 7}

    monkeypatch.setattr(OpenAIAdapter, "request_body", drifted)
    h = Harness()
    for key in ("ex-001", "ex-002", "ex-003"):
        h.fake.queue(ok_reply(answers_10[key], model="gpt-x"))
    h.run(example_articles()[:3], model="gpt-x", rules=RuleConfig())
    assert [r.status for r in h.records] == ["ok", "ok", "ok"]
    assert h.adapter is not None and h.adapter.fast_lives == 0
    assert len(h.fake.requests) == 3 and not any("seed" in body for body in h.fake.requests)
