"""The transports every request of a run goes through, built without the vendor SDK.

From the top: confidence (when measured), retries, then the wire (or a recording). The openai
client sits on top of them, and so does a call's first request sent without it
(`first_request`), which is why they are built here, apart from the client: a run whose first
requests go out before the SDK has loaded (`head_start`) sends them through the very transports
the client uses later, so counts, recordings and confidence are kept in one place.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx2

from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.model.base import ModelSettings
from aimlabel.model.confidence_wire import ConfidenceTransport
from aimlabel.model.http import RetryTransport, ShardedPool, Sleep, WireTransport, read_answers_whole
from aimlabel.model.recording import RecordingReader
from aimlabel.model.replay import ReplayTransport


@dataclass(frozen=True)
class Edge:
    """The top transport, and the confidence transport in it (which hands each call's measure over)."""

    top: httpx2.AsyncBaseTransport
    measure: ConfidenceTransport | None


def open_edge(settings: ModelSettings, *, transport: httpx2.AsyncBaseTransport | None = None, record: bool = False,
              replay_from: RecordingReader | None = None, sleep: Sleep | None = None,
              pool_size: int | None = None) -> Edge:
    """The transports for `settings`: over `transport` (the network when None), or over a recording."""
    if replay_from is not None:
        bottom: httpx2.AsyncBaseTransport = ReplayTransport(replay_from)
        sleep = _no_sleep
    else:
        bottom = WireTransport(transport or pooled_transport(pool_size), record=record,
                               max_bytes=settings.max_response_bytes, in_flight=pool_size)
    top: httpx2.AsyncBaseTransport = RetryTransport(bottom, settings.retry, sleep or asyncio.sleep)
    measure = None
    if settings.confidence.method != "off":
        top = measure = ConfidenceTransport(top, settings.confidence, default_taxonomy().classes)
    return Edge(top, measure)


def pooled_transport(pool_size: int | None) -> httpx2.AsyncBaseTransport:
    """One kept-alive connection per call in flight (httpx2's default keeps 20, so at a higher
    concurrency every answer closed a connection and the next call opened a new one), held in
    small pools so that no pool scans hundreds of them per event (`ShardedPool`); answers are read
    in one piece (`read_answers_whole`)."""
    read_answers_whole()
    if pool_size is None:
        return httpx2.AsyncHTTPTransport()
    return ShardedPool(max(1, pool_size))


async def _no_sleep(_: float) -> None:
    """Replay never waits: the recorded Retry-After already happened."""
