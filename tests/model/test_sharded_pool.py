"""The connection pool split into small shards (issue 19), against the real fake server process:
calls spread over the shards, every shard is free again once its answers are read, and the
connections kept add up to the size asked for."""

from __future__ import annotations

import asyncio

import httpx2
import pytest

from aimlabel.model.http import ShardedPool
from aimlabel.testing.fakeserver import start_fake_server


def test_sizes_add_up_to_the_connections_asked_for() -> None:
    for size in (1, 15, 16, 17, 64, 100, 256):
        pool = ShardedPool(size)
        limits = [shard._pool._max_connections for shard in pool.shards]  # noqa: SLF001
        assert sum(limits) == size and max(limits) <= 16 and max(limits) - min(limits) <= 1


def test_calls_spread_over_the_shards_and_each_is_released() -> None:
    async def run(base_url: str) -> tuple[ShardedPool, list[int]]:
        pool = ShardedPool(48)
        seen: list[int] = []
        async with httpx2.AsyncClient(transport=pool, timeout=30) as client:
            async def one() -> None:
                response = await client.get(f"{base_url}/models")
                seen.append(max(pool.busy))
                assert response.status_code == 200 and response.json()["data"]

            await asyncio.gather(*(one() for _ in range(48)))
            return pool, seen

    with start_fake_server(latency=0.2) as server:
        pool, seen = asyncio.run(run(server.base_url))
    assert len(pool.shards) == 3
    assert pool.busy == [0, 0, 0]
    assert max(seen) <= 16  # 48 calls on 48 connections: no shard is handed more than it holds


def test_a_failed_call_frees_its_place() -> None:
    async def run() -> ShardedPool:
        pool = ShardedPool(4)
        async with httpx2.AsyncClient(transport=pool, timeout=2) as client:
            with pytest.raises(httpx2.ConnectError):
                await client.get("http://127.0.0.1:9/v1/models")
        return pool

    assert asyncio.run(run()).busy == [0]
