"""An OpenAI-compatible chat server on asyncio streams, for end-to-end tests and benchmarks (with
the Files and Batches endpoints of the Batch API, in `batches.py`).

Why not `http.server`: a thread per connection on 2 cores does not hold 64+ keep-alive
connections each sleeping 0.5 s without the server itself becoming the bottleneck we are trying
to measure. A small HTTP/1.1 loop (Content-Length or chunked bodies, keep-alive) on one event
loop does, and `asyncio.sleep` makes the latency real concurrency rather than blocked threads.

The server is the network edge only: the client side under test is the real openai client,
httpx2 and instructor, exactly as against a real endpoint.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import random
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.testing.fakeserver.answers import FAULTS, Answerer, FaultPlan, NoSchema, article_block, request_mode
from aimlabel.testing.fakeserver.batches import MAX_FILE_BYTES, BatchOptions, BatchService, read_reply_body

MAX_HEADER = 64 * 1024
MAX_BODY = 64 * 1024 * 1024
MAX_UPLOAD = MAX_FILE_BYTES + 1024 * 1024  # a batch input file and its multipart envelope
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
           413: "Payload Too Large", 429: "Too Many Requests", 500: "Internal Server Error"}
JUNK = b"<html><body>502 upstream hiccup, not JSON</body></html>"
SLOW_BLOCK = 64 * 1024


@dataclass
class ServerOptions:
    host: str = "127.0.0.1"
    port: int = 0
    model: str = "fake-model"
    latency: float = 0.0
    jitter: float = 0.0
    seed: int = 0
    retry_after: float = 0.1
    hang: float = 5.0
    rates: dict[str, float] = field(default_factory=dict)
    max_requests: int | None = None
    max_seconds: float = 600.0
    echo_key: bool = False
    batch: BatchOptions = field(default_factory=BatchOptions)
    slow: str | None = None
    slow_factor: float = 40.0
    ignore_n: bool = False
    no_logprobs: bool = False
    memo: bool = False
    generic: bool = False


@dataclass
class Stats:
    """What the server saw, served at GET /stats so a test can reconcile it with its records."""

    chat_requests: int = 0
    by_path: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    by_fault: Counter[str] = field(default_factory=Counter)
    by_mode: Counter[str] = field(default_factory=Counter)
    bodies: Counter[str] = field(default_factory=Counter)
    answered: Counter[str] = field(default_factory=Counter)
    connections: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    slow_requests: int = 0
    first_request_at: float | None = None
    last_response_at: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "chat_requests": self.chat_requests, "by_path": dict(self.by_path),
            "by_status": dict(self.by_status), "by_fault": dict(self.by_fault), "by_mode": dict(self.by_mode),
            "bodies": dict(self.bodies), "answered": dict(self.answered), "connections": self.connections,
            "in_flight": self.in_flight, "max_in_flight": self.max_in_flight, "slow_requests": self.slow_requests,
            "first_request_at": self.first_request_at, "last_response_at": self.last_response_at,
        }


class _Close(Exception):
    """Close the connection without answering (the drop and timeout faults)."""


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    cut_at: int | None = None  # send the full length in the headers, then only this many bytes, then close
    pause: float = 0.0  # seconds between blocks of the body (a slow download)


def _json(status: int, value: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(value).encode(), {"content-type": "application/json", **(headers or {})})


def _error(status: int, message: str, kind: str, headers: dict[str, str] | None = None) -> Response:
    return _json(status, {"error": {"message": message, "type": kind, "code": None}}, headers)


class FakeServer:
    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        self.stats = Stats()
        self.faults = FaultPlan(options.rates, options.seed)
        self._delays = random.Random(options.seed + 1)  # its own stream: jitter never shifts the faults
        self.answerer = Answerer(default_taxonomy(), honour_n=not options.ignore_n, give_logprobs=not options.no_logprobs,
                                 generic=options.generic)
        self.batches = BatchService(options.batch, self.answerer, self.faults)
        self.stopped = asyncio.Event()
        self._memo: dict[bytes, Response] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def handle_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self.stats.connections += 1
        try:
            while not self.stopped.is_set():
                request = await _read_request(reader)
                if request is None:
                    return
                method, path, headers, body = request
                response = await self.dispatch(method, path, body, headers)
                keep = headers.get("connection", "").lower() != "close"
                await _write(writer, response, keep)
                if not keep:
                    return
        except (_Close, ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            return
        except asyncio.CancelledError:  # shutdown: end quietly, the stream callback would log it
            return
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.transport.abort()

    async def dispatch(self, method: str, target: str, body: bytes, headers: dict[str, str] | None = None) -> Response:
        path = target.split("?", 1)[0].rstrip("/")
        self.stats.by_path[path] += 1
        if path in ("/stats", "/v1/stats") and method == "GET":
            return _json(200, {**self.stats.as_json(), "batch": self.batches.stats.as_json()})
        if path.startswith(("/v1/files", "/v1/batches")):
            reply = self.batches.handle(method, target, headers or {}, body)
            kind = "application/octet-stream" if reply.path is not None else "application/json"
            pause = self.options.batch.download_pause if reply.path is not None else 0.0
            return Response(reply.status, read_reply_body(reply), {"content-type": kind}, reply.cut_at, pause)
        if path == "/v1/models" and method == "GET":
            model = {"id": self.options.model, "object": "model", "created": 1_700_000_000, "owned_by": "aimlabel-fake"}
            return _json(200, {"object": "list", "data": [model]})
        if path == "/v1/chat/completions":
            if method != "POST":
                return _error(405, "use POST", "invalid_request_error")
            return await self.chat(body, credential((headers or {}).get("authorization", "")) if self.options.echo_key else None)
        return _error(404, f"no route {method} {path}", "not_found")

    async def chat(self, raw: bytes, echo: str | None = None) -> Response:
        stats = self.stats
        stats.chat_requests += 1
        stats.first_request_at = stats.first_request_at or time.time()
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        digest = hashlib.sha256(raw).hexdigest()[:16]
        stats.bodies[digest] += 1
        fault = self.faults.draw()
        stats.by_fault[fault or "none"] += 1
        status = "none"
        try:
            try:
                body = json.loads(raw)
            except ValueError:
                status = "400"
                return _error(400, "request body is not JSON", "invalid_request_error")
            stats.by_mode[request_mode(body)] += 1
            key = hashlib.sha256(raw).digest()
            if self.options.memo and fault is None and key in self._memo:
                response = self._memo[key]
            else:
                response = await self._fault_or_answer(body, fault, echo, stats.bodies[digest] - 1)
                if self.options.memo and fault is None and response.status == 200:
                    self._memo[key] = response
            status = str(response.status)
            if fault is None and response.status == 200:
                stats.answered[digest] += 1
            return response
        finally:
            stats.in_flight -= 1
            stats.by_status[status] += 1
            stats.last_response_at = time.time()
            limit = self.options.max_requests
            if limit is not None and stats.chat_requests >= limit:
                asyncio.get_running_loop().call_later(0.05, self.stopped.set)

    async def _fault_or_answer(self, body: dict[str, Any], fault: str | None, echo: str | None = None, repeat: int = 0) -> Response:
        o = self.options
        if fault == "429":
            return _error(429, "rate limited (fake)", "rate_limit_exceeded", {"retry-after": f"{o.retry_after:g}"})
        if fault == "drop":
            raise _Close
        if fault == "timeout":
            await asyncio.sleep(o.hang)
            raise _Close
        if o.latency > 0:
            delay = o.latency * (1 + o.jitter * (2 * self._delays.random() - 1))
            if o.slow and o.slow in (article_block(body) or ""):
                delay *= o.slow_factor
                self.stats.slow_requests += 1
            await asyncio.sleep(delay)
        if fault == "500":
            return _error(500, "internal error (fake)", "server_error")
        if fault == "junk":
            return Response(200, JUNK, {"content-type": "application/json"})
        try:
            return _json(200, self.answerer.completion(body, fault, echo, repeat))
        except NoSchema as exc:
            return _error(400, str(exc), "invalid_request_error")

    async def serve(self, announce: bool = True) -> None:
        o = self.options
        server = await asyncio.start_server(self.handle_connection, o.host, o.port, limit=MAX_HEADER, backlog=1024)
        port = server.sockets[0].getsockname()[1]
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopped.set)
        if announce:
            print(f"listening on http://{o.host}:{port}/v1", flush=True)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopped.wait(), o.max_seconds)
        finally:
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await server.wait_closed()
            self.batches.close()


def credential(authorization: str) -> str:
    """What an Authorization header carries: a Bearer token, or Basic auth's decoded user:password."""
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value).decode("utf-8", "replace")
        except ValueError:
            return value
    return value


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, dict[str, str], bytes] | None:
    """One request, or None when the client closed the connection between requests."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunks.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(c[:-2] for c in chunks)
    else:
        length = int(headers.get("content-length") or 0)
        if length > (MAX_UPLOAD if path.startswith("/v1/files") else MAX_BODY):
            raise ValueError("body too large")
        body = await reader.readexactly(length) if length else b""
    return method, path, headers, body


async def _write(writer: asyncio.StreamWriter, response: Response, keep_alive: bool) -> None:
    head = [f"HTTP/1.1 {response.status} {REASONS.get(response.status, 'Unknown')}",
            f"content-length: {len(response.body)}", f"connection: {'keep-alive' if keep_alive else 'close'}"]
    head += [f"{k}: {v}" for k, v in response.headers.items()]
    body = response.body[:response.cut_at]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + (b"" if response.pause else body))
    await writer.drain()
    for start in range(0, len(body) if response.pause else 0, SLOW_BLOCK):
        await asyncio.sleep(response.pause)
        writer.write(body[start:start + SLOW_BLOCK])
        await writer.drain()
    if response.cut_at is not None:
        raise _Close


def parse_args(argv: list[str] | None = None) -> ServerOptions:
    p = argparse.ArgumentParser(
        prog="python -m aimlabel.testing.fakeserver",
        description="Fake OpenAI-compatible chat server: deterministic schema-valid labels, seeded faults.",
    )
    p.add_argument("--host", default="127.0.0.1", help="Bind address (loopback by default).")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port; it is printed on stdout.")
    p.add_argument("--model", default="fake-model", help="Model id listed at /v1/models.")
    p.add_argument("--latency", type=float, default=0.0, help="Seconds each answer takes (asyncio.sleep).")
    p.add_argument("--jitter", type=float, default=0.0, metavar="FRACTION",
                   help="Spread each latency uniformly over latency*(1 +/- FRACTION); the mean stays --latency.")
    p.add_argument("--seed", type=int, default=0, help="Seed of the fault RNG (faults follow request order).")
    p.add_argument("--retry-after", type=float, default=0.1, help="Retry-After seconds sent with a 429.")
    p.add_argument("--hang", type=float, default=5.0, help="Seconds a 'timeout' fault hangs before closing.")
    for kind in FAULTS:
        p.add_argument(f"--rate-{kind}", type=float, default=0.0, metavar="SHARE",
                       help=f"Share of chat requests that get the {kind!r} fault.")
    p.add_argument("--echo-key", action="store_true",
                   help="Reflect the request's credential (Bearer key, or the user:password of Basic auth) into each label, "
                        "as a hostile or buggy server might: for testing redaction.")
    p.add_argument("--batch-polls", type=int, default=1, metavar="N", help="A batch moves on one state every N retrieves.")
    p.add_argument("--batch-expire", default="", metavar="K,..", help="Batches (1 = the first created) that expire half run.")
    p.add_argument("--batch-fail", default="", metavar="K,..", help="Batches that fail validation.")
    p.add_argument("--batch-drop-downloads", type=int, default=0, metavar="N", help="Cut off the first N file downloads half way.")
    p.add_argument("--batch-download-pause", type=float, default=0.0, metavar="S",
                   help="Seconds between 64 KB blocks of a file download (a slow link).")
    p.add_argument("--slow", default=None, metavar="TEXT",
                   help="Articles whose text (title included) contains TEXT answer --slow-factor times slower.")
    p.add_argument("--slow-factor", type=float, default=40.0, help="How much slower a --slow article answers (default 40).")
    p.add_argument("--ignore-n", action="store_true",
                   help="Answer one choice whatever `n` asks for (as servers without `n` do); a repeated request gets the next sample.")
    p.add_argument("--no-logprobs", action="store_true", help="Never return logprobs, even when asked (as some servers do).")
    p.add_argument("--memo", action="store_true",
                   help="Serve a request seen before (no fault drawn) the answer it got, without building it again: a "
                        "benchmark's repeated runs then meet a server whose speed does not depend on the answer's size.")
    p.add_argument("--generic", action="store_true",
                   help="Answer like an independent schema-following server: a schema-valid instance filled by type from "
                        "the request's JSON Schema, knowing nothing of AIM (json_schema and tools modes).")
    p.add_argument("--max-requests", type=int, default=None, help="Stop after this many chat requests.")
    p.add_argument("--max-seconds", type=float, default=600.0, help="Stop after this many seconds (safety net).")
    a = p.parse_args(argv)
    rates = {kind: getattr(a, f"rate_{kind}") for kind in FAULTS}
    if not 0 <= a.jitter <= 1:
        p.error("--jitter must be between 0 and 1")
    ordinals = {name: frozenset(int(k) for k in getattr(a, f"batch_{name}").split(",") if k.strip()) for name in ("expire", "fail")}
    batch = BatchOptions(max(1, a.batch_polls), ordinals["expire"], ordinals["fail"], a.batch_drop_downloads, a.batch_download_pause)
    return ServerOptions(a.host, a.port, a.model, a.latency, a.jitter, a.seed, a.retry_after, a.hang,
                         {k: v for k, v in rates.items() if v > 0}, a.max_requests, a.max_seconds, echo_key=a.echo_key, batch=batch,
                         slow=a.slow, slow_factor=a.slow_factor, ignore_n=a.ignore_n, no_logprobs=a.no_logprobs,
                         memo=a.memo, generic=a.generic)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    try:
        server = FakeServer(options)
    except ValueError as exc:
        print(f"fakeserver: error: {exc}", file=sys.stderr)
        return 2
    asyncio.run(server.serve())
    return 0
