"""A 429's Retry-After holds the whole run: no request leaves inside a pause already announced.

Time is virtual: the transport's `clock` and `sleep` are a fake that wakes one sleeper at a
time, so a request that slept through one pause and woke inside a longer one, announced by
another request meanwhile, is seen sending (or not) at an exact instant.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable
from typing import Any

import httpx2

from aimlabel.model.base import RetryPolicy
from aimlabel.model.http import CallContext, RetryTransport, current_call


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), future))
        await future

    async def run(self, *coros: Awaitable[Any]) -> list[Any]:
        """Run the coroutines to the end, waking the earliest sleeper whenever all are asleep."""
        tasks = [asyncio.ensure_future(c) for c in coros]
        while not all(t.done() for t in tasks):
            for _ in range(100):  # let every runnable task reach its next sleep (or its end)
                await asyncio.sleep(0)
            if not self._sleepers:
                continue
            when, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, when)
            future.set_result(None)
        return [t.result() for t in tasks]


def test_no_request_is_sent_inside_a_pause_announced_while_it_slept() -> None:
    time = VirtualTime()
    sends: list[float] = []
    pauses: list[tuple[float, float]] = []  # (announced at, until), in the order the 429s went out
    script = iter([1.0, 5.0])  # the first two requests are told to wait 1 s, then 5 s

    def handler(request: httpx2.Request) -> httpx2.Response:
        inside = [p for p in pauses if p[0] <= time.now < p[1]]
        sends.append(time.now if not inside else -time.now)  # negative: sent inside a known pause
        wait = next(script, None)
        if wait is None:
            return httpx2.Response(200, json={"ok": True})
        pauses.append((time.now, time.now + wait))
        return httpx2.Response(429, json={"error": {"message": "slow down"}}, headers={"retry-after": f"{wait:g}"})

    transport = RetryTransport(httpx2.MockTransport(handler), RetryPolicy(max_retries=5), sleep=time.sleep, clock=time.clock)

    async def one(key: str) -> int:
        current_call.set(CallContext(item_key=key))
        response = await transport.handle_async_request(httpx2.Request("POST", "http://x/v1/chat/completions"))
        return response.status_code

    async def go() -> list[Any]:
        return await time.run(one("a"), one("b"), one("c"))

    assert asyncio.run(go()) == [200, 200, 200]
    inside = [-t for t in sends if t < 0]
    assert inside == [], f"{len(inside)} request(s) sent inside a known pause, at t={inside}"
    # a at 0 (429: 1 s); at 1 a again (429: 5 s) while b and c wait; at 6 all three get through
    assert sends == [0.0, 1.0, 6.0, 6.0, 6.0]
    assert transport.pauses == 2
