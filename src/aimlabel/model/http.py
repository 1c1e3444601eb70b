"""HTTP transports under the openai client: transport retries and recording (replay is in `replay.py`).

Working at the HTTP layer keeps every run honest: a replayed exchange served here goes through
the same openai client, instructor parsing and re-asks as a live one, and only the bytes come
from disk. (Plain recorded answers usually skip the client: see the adapter's replay fast lane.)
Each model call runs inside a `CallContext` (a context variable, so concurrent asyncio tasks
each see their own) that names the article and collects what happened on the wire.
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import json
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx2
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from aimlabel.model.base import DEFAULT_MAX_RESPONSE_BYTES, RetryPolicy
from aimlabel.model.errors import ResponseTooLarge
from aimlabel.model.recording import Exchange

if TYPE_CHECKING:
    from aimlabel.model.first_request import FirstRequest

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504}) | frozenset(range(520, 530))
TRANSIENT_ERRORS = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)


@dataclass
class CallContext:
    """What one article's model call did on the wire."""

    item_key: str
    requests: int = 0
    answers: int = 0
    elapsed_ms: float = 0.0
    producer: str | None = None
    junk_body: str | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    first: FirstRequest | None = None  # the first request, when the adapter sends it itself


current_call: ContextVar[CallContext] = ContextVar("aimlabel_current_call")


def current_call_context() -> CallContext:
    try:
        return current_call.get()
    except LookupError:
        raise RuntimeError("model request made outside a CallContext") from None


class _RetryableStatus(Exception):
    def __init__(self, response: httpx2.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def retry_after_seconds(headers: httpx2.Headers | dict[str, str]) -> float | None:
    """Seconds the server asked us to wait (`retry-after-ms`, `retry-after` seconds or date)."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(float(ms) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        return max(parsed.timestamp() - time.time(), 0.0)




def _wait_for(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _RetryableStatus):
            asked = retry_after_seconds(exc.response.headers)
            if asked is not None:
                # A 429's Retry-After is waited out by the run-wide pause before the next send.
                return 0.0 if exc.response.status_code == 429 else min(asked, policy.honour_retry_after_up_to)
        backoff = min(policy.base_wait * float(2 ** (state.attempt_number - 1)), policy.max_wait)
        return backoff * (0.5 + random.random() / 2)

    return wait


Sleep = Callable[[float], Awaitable[None]]


class RetryTransport(httpx2.AsyncBaseTransport):
    """Retry 408/409/429/5xx, timeouts, dropped connections and 200s whose body is not JSON;
    everything else passes through.

    A fresh tenacity policy is built for every request (a shared one corrupts state under
    concurrency). A 429 backs off the whole run, not just its own request: every request waits
    until the server's Retry-After has passed, so concurrent calls stop hammering a server that
    said "slow down", and resume together when it stops. After the last retry the final
    response (or error) goes back to the openai client, which raises the matching exception.
    """

    def __init__(self, inner: httpx2.AsyncBaseTransport, policy: RetryPolicy, sleep: Sleep = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.inner = inner
        self.policy = policy
        self.sleep = sleep
        self.clock = clock
        self.paused_until = 0.0
        self.pauses = 0

    def _pause_all(self, response: httpx2.Response) -> None:
        asked = retry_after_seconds(response.headers)
        if asked:
            until = self.clock() + min(asked, self.policy.honour_retry_after_up_to)
            if until > self.paused_until:
                self.paused_until = until
                self.pauses += 1

    async def _backoff(self, seconds: float) -> None:
        if seconds > 0:
            await self.sleep(seconds)

    async def _wait_for_pause(self) -> None:
        """Sleep out the known pause, and again as long as another request's 429 extended it meanwhile."""
        while (remaining := (until := self.paused_until) - self.clock()) > 0:
            await self.sleep(remaining)
            if self.paused_until <= until:
                return

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        call = current_call_context()
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.policy.max_retries + 1),
            wait=_wait_for(self.policy),
            retry=retry_if_exception_type((_RetryableStatus, *TRANSIENT_ERRORS)),
            sleep=self._backoff,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    await self._wait_for_pause()
                    call.requests += 1
                    response = await self.inner.handle_async_request(request)
                    content = await response.aread()
                    if response.status_code < 300 and not content.lstrip().startswith((b"{", b"[")):
                        call.junk_body = content[:120].decode("utf-8", "replace")
                        raise _RetryableStatus(response)  # a proxy's HTML page or a truncated body
                    call.junk_body = None
                    if response.status_code < 300:
                        call.answers += 1
                    if response.status_code in RETRY_STATUSES:
                        if response.status_code == 429:
                            self._pause_all(response)
                        raise _RetryableStatus(response)
                    return response
        except _RetryableStatus as exc:
            return exc.response
        raise AssertionError("unreachable: tenacity either returns or raises")

    async def aclose(self) -> None:
        await self.inner.aclose()


_KEPT_RESPONSE_HEADERS = ("content-type", "retry-after", "retry-after-ms")


def request_body(request: httpx2.Request) -> Any:
    raw = request.content
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode("utf-8", "replace")


async def read_capped(response: httpx2.Response, limit: int) -> bytes:
    """The decoded body, read only up to `limit` bytes (a declared length over it is refused
    unread); over the limit the connection is closed and `ResponseTooLarge` raised. Decoded
    bytes are counted, so a small compressed body cannot unpack into gigabytes."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        await response.aclose()
        raise ResponseTooLarge(limit, int(declared))
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            await response.aclose()
            raise ResponseTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


_DECODED_AWAY = ("content-encoding", "content-length", "transfer-encoding")


def read_response(status: int, headers: Iterable[tuple[str, str]] | dict[str, str], content: bytes,
                  request: httpx2.Request, elapsed_ms: float = 0.0) -> httpx2.Response:
    """A response whose body is `content`, already read and closed, as `Response.aread()` leaves one.

    `Response(content=...)` reads its own bytes back through the stream, decoder and chunker
    machinery (two thirds of its cost), once for every response of every call and again
    wherever a body is rewritten; this one is built from the stream with the body in place. Its
    `elapsed` is the exchange's, since the client never sees this stream close."""
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
    pairs = [(k, v) for k, v in pairs if k.lower() != "content-length"] + [("content-length", str(len(content)))]
    response = httpx2.Response(status, headers=pairs, stream=httpx2.ByteStream(content), request=request)
    response._content = content  # what aread() stores: the body is read
    response.is_stream_consumed = response.is_closed = True
    response.elapsed = datetime.timedelta(milliseconds=elapsed_ms)
    return response


def replace_body(response: httpx2.Response, content: bytes) -> httpx2.Response:
    """`response` (one `read_response` built, read already) with `content` as its body instead.

    Rewriting a body the transports above the wire built costs a new response every time; this one
    is theirs alone, so its body and length are changed in place and its elapsed time kept."""
    response.headers["content-length"] = str(len(content))
    response.stream = httpx2.ByteStream(content)
    response._content = content
    return response


def with_content(response: httpx2.Response, content: bytes, request: httpx2.Request,
                 elapsed_ms: float = 0.0) -> httpx2.Response:
    """`response` with `content` as its body, already read and decoded: the wire's length and
    encoding headers no longer describe it, so they are dropped."""
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _DECODED_AWAY]
    return read_response(response.status_code, headers, content, request, elapsed_ms)


class FirstWave:
    """A process's first requests, until their bodies are written to the wire.

    Loading the SDK and compiling the rules' patterns run in threads while the first calls are
    out, but both hold the GIL for long stretches: started while the first wave was still being
    connected and written, they put every socket event of it behind them, and the server saw the
    first request 0.3 to 0.6 s after it left the pipeline (connecting alone took 0.37 s of it).
    So they wait for `written` first. Only the first wave is followed (httpcore's `trace`
    extension); later requests carry nothing extra.
    """

    CAP_SECONDS = 1.0

    def __init__(self) -> None:
        self.following = True
        self.writing = 0
        self.seen = 0

    def follow(self, request: httpx2.Request) -> Callable[[], None] | None:
        """Count `request` as being written until its body is sent; the returned call ends that too."""
        if not self.following:
            return None
        self.writing += 1
        self.seen += 1
        pending = [True]

        def sent() -> None:
            if pending:
                pending.clear()
                self.writing -= 1

        inner = request.extensions.get("trace")

        async def trace(name: str, info: dict[str, Any]) -> None:
            if name.endswith((".send_request_body.complete", ".send_request_body.failed")):
                sent()
            if inner is not None:
                await inner(name, info)

        request.extensions["trace"] = trace
        return sent

    async def written(self) -> None:
        """Return once the first wave is on the wire: a request was seen and none is still being
        written, or `CAP_SECONDS` passed (a slow connect never holds the work back for long)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.CAP_SECONDS
        await asyncio.sleep(0)
        while self.following and (self.seen == 0 or self.writing) and loop.time() < deadline:
            await asyncio.sleep(0.005)
        self.following = False


FIRST_WAVE = FirstWave()


class WireTransport(httpx2.AsyncBaseTransport):
    """The live edge: read each response (at most `max_bytes` of it), time the exchange and,
    when recording, keep it for the article's file.

    Only the request body and a few response headers are kept; request headers (where the API
    key lives) are never stored. The body handed on is already decoded, so it goes with the
    headers that describe it, not the wire's `content-encoding`.
    """

    def __init__(self, inner: httpx2.AsyncBaseTransport, record: bool = False,
                 max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES, in_flight: int | None = None) -> None:
        self.inner = inner
        self.record = record
        self.max_bytes = max_bytes
        # At most `in_flight` exchanges at once (None: no limit here).
        self._gate = asyncio.Semaphore(in_flight) if in_flight is not None else None

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if self._gate is None:
            return await self._exchange(request)
        async with self._gate:  # held from sending to the answer's last byte, not while it is checked
            return await self._exchange(request)

    async def _exchange(self, request: httpx2.Request) -> httpx2.Response:
        call = current_call_context()
        sent = FIRST_WAVE.follow(request)
        started = time.perf_counter()
        try:
            try:
                response = await self.inner.handle_async_request(request)
            finally:
                if sent is not None:
                    sent()
            content = await read_capped(response, self.max_bytes)
        except (*TRANSIENT_ERRORS, ResponseTooLarge) as exc:
            elapsed = round((time.perf_counter() - started) * 1000, 3)
            call.elapsed_ms += elapsed
            if self.record:
                call.exchanges.append(
                    Exchange(request=request_body(request), error=type(exc).__name__, elapsed_ms=elapsed)
                )
            raise
        elapsed = round((time.perf_counter() - started) * 1000, 3)
        call.elapsed_ms += elapsed
        if self.record:
            headers = {k: v for k, v in response.headers.items() if k.lower() in _KEPT_RESPONSE_HEADERS}
            try:
                body: Any = json.loads(content)
            except ValueError:
                body = content.decode("utf-8", "replace")
            call.exchanges.append(
                Exchange(request=request_body(request), status=response.status_code, headers=headers,
                         response=body, elapsed_ms=elapsed)
            )
        return with_content(response, content, request, elapsed)

    async def aclose(self) -> None:
        await self.inner.aclose()


SHARD_CONNECTIONS = 16
READ_BYTES = 1 << 20


def read_answers_whole() -> None:
    """Let httpcore hand over up to `READ_BYTES` at a time, where it hands over 64 KB.

    The event loop reads up to 256 KB from a socket at once, and httpcore then splits that into
    64 KB pieces, each a trip up the stack (anyio, h11, httpcore, httpx2, our reader). An answer
    with logprobs is some 67 KB, so every one took two trips: on a bare client, reading such an
    answer added 0.118 ms of CPU in 64 KB pieces and 0.06 ms in one. The read size only bounds
    what is taken from data already received; nothing is allocated for it. It is a class
    attribute of httpcore's HTTP/1.1 connection, so it is raised, never lowered, for the process."""
    import httpcore2

    connection = getattr(httpcore2, "AsyncHTTP11Connection", None)
    if connection is not None and getattr(connection, "READ_NUM_BYTES", READ_BYTES) < READ_BYTES:
        connection.READ_NUM_BYTES = READ_BYTES


class _Released(httpx2.AsyncByteStream):
    """A response body that tells its pool shard when it is closed, read to the end or not."""

    def __init__(self, inner: httpx2.AsyncByteStream, release: Callable[[], None]) -> None:
        self.inner = inner
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self.inner.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


class ShardedPool(httpx2.AsyncBaseTransport):
    """Connections kept in several small pools instead of one large one.

    httpcore's pool scans every connection it holds on each request and each answer, so one pool
    of C connections costs O(C) per event: at C=256 that scan was a fifth of the client's CPU.
    Each request goes to the shard with the fewest calls in flight (ties to the first); together
    the shards keep exactly `size` connections. They share one TLS context, built as httpx2 builds
    its default (certificates from `SSL_CERT_FILE`/`SSL_CERT_DIR` or certifi): loading the
    certificates took 35 ms a shard here, before the run's first request could leave."""

    def __init__(self, size: int, per_shard: int = SHARD_CONNECTIONS) -> None:
        count = max(1, -(-size // per_shard))
        sizes = [size // count + (1 if i < size % count else 0) for i in range(count)]
        tls = httpx2.create_ssl_context()
        self.shards = [httpx2.AsyncHTTPTransport(verify=tls, limits=httpx2.Limits(max_connections=n, max_keepalive_connections=n))
                       for n in sizes]
        self.busy = [0] * count

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        index = self.busy.index(min(self.busy))
        self.busy[index] += 1

        def release() -> None:
            self.busy[index] -= 1

        try:
            response = await self.shards[index].handle_async_request(request)
        except BaseException:
            release()
            raise
        assert isinstance(response.stream, httpx2.AsyncByteStream)
        response.stream = _Released(response.stream, release)
        return response

    async def aclose(self) -> None:
        for shard in self.shards:
            await shard.aclose()
