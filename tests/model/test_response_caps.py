"""Caps on what one answer may hold (issue 13, item 7): bytes at the transport, lengths in the schema.

A 60 MB rationale once took 1.88 GB of memory for 3 articles and 350 MB of store. Now a body over
`--max-response-bytes` is refused while it is read, and fields over the schema's caps fail the
article with `invalid_response`.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from typer.testing import CliRunner

from aimlabel.cli.app import app
from aimlabel.core.prompt import default_prompt
from aimlabel.core.schema import MAX_RATIONALE_CHARS, label_model, strict_json_schema
from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.model.base import DEFAULT_MAX_RESPONSE_BYTES, ModelSettings, RetryPolicy
from aimlabel.model.openai import OpenAIAdapter
from aimlabel.run.pipeline import Labeler, label_items
from aimlabel.testing.fakes import chat_completion
from aimlabel.testing.fakeserver.process import start_fake_server
from conftest import Harness, example_articles, ok_reply

CAP = 64 * 1024


def _run(handler: Any, tmp: Path | None = None, **settings: Any) -> list[Any]:
    """One article through the real adapter and pipeline over a handler-driven transport."""
    records: list[Any] = []

    async def go() -> None:
        params: dict[str, Any] = dict(model="m", base_url="http://fake.invalid/v1", api_key="k" * 20,
                                      retry=RetryPolicy(max_retries=2, base_wait=0, max_wait=0), max_response_bytes=CAP)
        params.update(settings)
        adapter = OpenAIAdapter(ModelSettings(**params), transport=httpx2.MockTransport(handler))
        labeler = Labeler(adapter, default_prompt(), label_model(), default_taxonomy(), rules=None)
        try:
            await label_items([(1, example_articles()[0])], labeler, records.append, source="t")
        finally:
            await adapter.aclose()

    asyncio.run(go())
    return records


def test_an_endless_body_is_cut_off_at_the_cap_and_never_retried() -> None:
    served = {"bytes": 0, "requests": 0}

    async def endless() -> AsyncIterator[bytes]:
        yield b'{"id": "x", "choices": [{"message": {"content": "'
        while served["bytes"] < 200 * 1024 * 1024:  # 200 MB if nothing stopped reading
            served["bytes"] += 64 * 1024
            yield b"A" * (64 * 1024)

    async def handler(request: httpx2.Request) -> httpx2.Response:
        served["requests"] += 1
        return httpx2.Response(200, headers={"content-type": "application/json"}, content=endless())

    [rec] = _run(handler)
    assert rec.status == "failed" and rec.label is None
    assert rec.error.type == "invalid_response"
    assert "over the limit of 65,536 (--max-response-bytes)" in rec.error.message
    assert served["requests"] == 1 and rec.attempts.requests == 1
    assert served["bytes"] <= 2 * CAP


def test_a_declared_length_over_the_cap_is_refused_unread() -> None:
    async def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "application/json", "content-length": str(10 * CAP)},
                               content=b"{" + b" " * (10 * CAP - 2) + b"}")

    [rec] = _run(handler)
    assert rec.error is not None and rec.error.type == "invalid_response"
    assert "655,360 bytes, over the limit" in rec.error.message


def test_a_compressed_body_is_capped_by_what_it_unpacks_to() -> None:
    bomb = gzip.compress(b"{" + b" " * (50 * CAP) + b"}")  # a few hundred bytes on the wire

    async def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "application/json", "content-encoding": "gzip"}, content=bomb)

    assert len(bomb) < CAP
    [rec] = _run(handler)
    assert rec.error is not None and rec.error.type == "invalid_response"


def test_a_gzip_answer_from_a_real_server_is_read_once_and_labelled(answers: dict) -> None:
    """The body is decoded while read; the response handed on must not claim to be gzip still."""
    body = gzip.compress(json.dumps(chat_completion(answers["ex-001"])).encode())

    async def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "application/json", "content-encoding": "gzip"}, content=body)

    [rec] = _run(handler)
    assert rec.status == "ok" and rec.label == answers["ex-001"]


def test_the_default_cap_is_a_few_mib() -> None:
    assert DEFAULT_MAX_RESPONSE_BYTES == 4 * 1024 * 1024
    assert ModelSettings(model="m").max_response_bytes == DEFAULT_MAX_RESPONSE_BYTES


def test_an_oversized_field_fails_the_article_as_invalid_response(answers: dict) -> None:
    h = Harness()
    long = dict(answers["ex-001"], rationale="x" * (MAX_RATIONALE_CHARS + 1))
    h.fake.queue(ok_reply(long)).queue(ok_reply(long))
    h.run(example_articles()[:1], max_reasks=1)
    rec = h.records[0]
    assert rec.status == "failed" and rec.error is not None and rec.error.type == "invalid_response"
    assert f"rationale: String should have at most {MAX_RATIONALE_CHARS} characters" in rec.error.message
    assert "xxxxxxxxxx" not in rec.error.message


@pytest.mark.parametrize("field", ["realised_harm", "ai_system"])
def test_harm_and_ai_system_are_capped(answers: dict, field: str) -> None:
    h = Harness()
    h.fake.queue(ok_reply(dict(answers["ex-001"], **{field: "y" * 5000})))
    h.run(example_articles()[:1], max_reasks=0)
    assert h.records[0].error is not None and h.records[0].error.type == "invalid_response"
    assert field in h.records[0].error.message


def test_quotes_and_lists_are_capped(answers: dict) -> None:
    model = label_model()
    with pytest.raises(ValueError, match="at most 1000 characters"):
        model.model_validate(dict(answers["ex-001"], evidence=["z" * 1001]))
    with pytest.raises(ValueError, match="at most 10 items"):
        model.model_validate(dict(answers["ex-001"], ai_principles=["Safety"] * 11))


def test_length_caps_stay_off_the_wire_and_list_caps_go_on_it() -> None:
    """OpenAI strict mode refuses `maxLength`; `maxItems` it accepts."""
    schema = json.dumps(strict_json_schema(label_model()))
    assert "maxLength" not in schema
    props = strict_json_schema(label_model())["properties"]
    assert props["ai_principles"]["maxItems"] == 10 and props["evidence"]["maxItems"] == 3


@pytest.mark.parametrize("mode", ["tools", "md_json"])
def test_length_caps_stay_off_the_wire_in_every_mode(mode: str) -> None:
    """A grammar-constrained server (llama-cpp-python) dies on a grammar built from a 4000-character cap."""
    from aimlabel.core.prompt import render

    adapter = OpenAIAdapter(ModelSettings(model="m", base_url="http://fake.invalid/v1", mode=mode))  # type: ignore[arg-type]
    body = json.dumps(adapter.request_body(render(default_prompt(), example_articles()[0]).messages, label_model()))
    assert "maxLength" not in body and "minLength" not in body
    assert "maxItems" in body
    with pytest.raises(ValueError, match="at most 4000 characters"):
        label_model().model_validate({"rationale": "z" * 4001})


def test_max_response_bytes_is_a_cli_option_that_reaches_the_wire(tmp_path: Path) -> None:
    articles = tmp_path / "a.jsonl"
    articles.write_text("".join(a.model_dump_json() + "\n" for a in example_articles()[:2]), encoding="utf-8")
    runs = {}
    with start_fake_server() as server:
        for cap in ([], ["--max-response-bytes", "1024"]):
            result = CliRunner().invoke(app, ["label", str(articles), "--base-url", server.base_url, "--model", "fake-model",
                                              "--api-key", "k" * 20, "--no-store", "-q", *cap])
            runs[bool(cap)] = [(r["status"], (r["error"] or {}).get("type")) for r in map(json.loads, result.stdout.splitlines())]
    assert runs[False] == [("ok", None), ("ok", None)]
    assert runs[True] == [("ok", None), ("failed", "invalid_response")]  # the fake's answer for ex-002 is over 1 KiB


@pytest.mark.parametrize("fast", [True, False])
def test_a_refused_answer_is_recorded_and_replays_as_the_same_failure(answers: dict, tmp_path: Path, fast: bool) -> None:
    live = Harness()
    live.fake.queue(ok_reply(dict(answers["ex-001"], rationale="w " * CAP)))
    live.run(example_articles()[:1], record=tmp_path / "rec", max_response_bytes=CAP)
    assert live.records[0].error is not None and live.records[0].error.type == "invalid_response"
    again = Harness()
    again.run(example_articles()[:1], replay=tmp_path / "rec", fast_replay=fast)
    rec = again.records[0]
    assert rec.status == "failed" and rec.error is not None and rec.error.type == "invalid_response"
    assert "when this was recorded" in rec.error.message
