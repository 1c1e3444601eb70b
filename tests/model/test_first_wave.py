"""The first wave of requests (issue 19, start-up): work that holds the GIL in a thread (the SDK,
the rules' patterns) waits until the first requests are written to the wire, and no longer.
Against the real fake server process, through the real transports."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx2
import pytest

from aimlabel.model import http
from aimlabel.model.http import CallContext, FirstWave, ShardedPool, WireTransport, current_call
from aimlabel.testing.fakeserver import start_fake_server


@pytest.fixture
def wave(monkeypatch: pytest.MonkeyPatch) -> FirstWave:
    fresh = FirstWave()
    monkeypatch.setattr(http, "FIRST_WAVE", fresh)
    return fresh


async def _post(transport: WireTransport, url: str, extensions: dict[str, Any] | None = None) -> httpx2.Response:
    token = current_call.set(CallContext(item_key="a"))
    try:
        request = httpx2.Request("POST", f"{url}/chat/completions", json={"model": "fake", "messages": []},
                                 extensions=extensions or {})
        return await transport.handle_async_request(request)
    finally:
        current_call.reset(token)


def test_written_returns_once_the_bodies_are_sent_not_when_the_answers_come(wave: FirstWave) -> None:
    async def run(url: str) -> tuple[float, float, int, int, dict[str, Any]]:
        transport = WireTransport(ShardedPool(8))
        started = time.perf_counter()
        calls = [asyncio.ensure_future(_post(transport, url)) for _ in range(8)]
        await wave.written()
        written_at = time.perf_counter() - started
        writing, seen = wave.writing, wave.seen
        await asyncio.gather(*calls)
        answered_at = time.perf_counter() - started
        later = httpx2.Request("GET", f"{url}/models")
        assert wave.follow(later) is None  # the wave is over: later requests are not followed
        await transport.aclose()
        return written_at, answered_at, writing, seen, dict(later.extensions)

    with start_fake_server(latency=1.5) as server:
        written_at, answered_at, writing, seen, extensions = asyncio.run(run(server.base_url))
    assert (writing, seen) == (0, 8)
    assert written_at < 1.0 <= answered_at
    assert "trace" not in extensions
    assert not wave.following


def test_with_no_request_it_waits_no_longer_than_its_cap(wave: FirstWave) -> None:
    wave.CAP_SECONDS = 0.05
    started = time.perf_counter()
    asyncio.run(wave.written())
    assert 0.05 <= time.perf_counter() - started < 1.0
    assert not wave.following


def test_a_trace_already_on_the_request_still_hears_every_event(wave: FirstWave) -> None:
    heard: list[str] = []

    async def trace(name: str, info: dict[str, Any]) -> None:
        heard.append(name)

    async def run(url: str) -> None:
        transport = WireTransport(ShardedPool(1))
        response = await _post(transport, url, {"trace": trace})
        assert response.status_code == 200
        await transport.aclose()

    with start_fake_server() as server:
        asyncio.run(run(server.base_url))
    assert "http11.send_request_body.complete" in heard and "http11.response_closed.complete" in heard
    assert wave.writing == 0


def test_a_request_that_never_reaches_the_server_leaves_the_wave(wave: FirstWave) -> None:
    async def run() -> None:
        transport = WireTransport(ShardedPool(1))
        with pytest.raises(httpx2.ConnectError):
            await _post(transport, "http://127.0.0.1:9/v1")
        await transport.aclose()

    asyncio.run(run())
    assert (wave.writing, wave.seen) == (0, 1)
