"""Live labelling over several processes: the model calls and the rule check in N workers, the run in one.

One Python process labels at most what one core can carry: a call costs several milliseconds of
CPU in the SDK, instructor, validation and the rule check, so at high concurrency the process,
not the server, sets the pace. With `--workers N` the run's process forks N workers that each
label the articles it hands them, with their own connections and their own `Labeler` (the same
prompt, schema, rules and fix rounds); the parent keeps everything that has one owner: reading
the input, the run store and its lease, resume, the stop rule and the budget, output order and
progress. A worker reads the answer cache through its own read-only connection to the store and
sends the answers it would have cached back with each record; only the parent writes.

Why processes handed articles rather than a split of the input: the pipeline stays the one of
`run.pipeline` (one reorder, one commit path, one stop rule), a slow worker gets fewer articles,
and a worker that dies costs only the articles it held, which end `failed` with `worker_lost`
and are labelled again on resume. The API key reaches the workers in the forked memory, never
in an argument, an environment variable or a file.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import multiprocessing
import os
import pickle
import signal
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from aimlabel.core.articles import Article
from aimlabel.core.record import ErrorInfo, LabelRecord
from aimlabel.run.pipeline import Labeler, warm_rules

WORKER_LOST = "worker_lost"
_HEADER = struct.Struct("!Q")

MakeLabeler = Callable[[int, "ForwardedCache | None"], Labeler]


class ForwardedCache:
    """A worker's view of the answer cache: reads from its own read-only connection to the run
    store, writes kept for the parent (`take`), which owns the store."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._store: Any = None
        self._puts: list[tuple[str, dict[str, Any]]] = []

    def cache_get(self, key: str) -> dict[str, Any] | None:
        if self._store is None:
            from aimlabel.run.store import RunStore

            self._store = RunStore(self.path, readonly=True)
        found: dict[str, Any] | None = self._store.cache_get(key)
        return found

    def cache_put(self, key: str, answer: dict[str, Any]) -> None:
        self._puts.append((key, answer))

    def take(self) -> list[tuple[str, dict[str, Any]]]:
        puts, self._puts = self._puts, []
        return puts


@dataclass
class _Worker:
    number: int
    process: Any
    writer: asyncio.StreamWriter
    share: int  # its calls in flight at most (its wire's limit)
    reading: asyncio.Task[None] | None = None
    pending: dict[int, tuple[asyncio.Future[LabelRecord], Article, str | None, int | None]] = field(default_factory=dict)
    alive: bool = True


class WorkerLabeler(Labeler):
    """A `Labeler` whose `label` runs in one of N forked workers; everything else stays here."""

    def __init__(self, base: Labeler, workers: int, make: MakeLabeler, concurrency: int,
                 put_cached: Callable[[str, dict[str, Any]], None] | None, cache: ForwardedCache | None) -> None:
        super().__init__(**{f.name: getattr(base, f.name) for f in fields(Labeler)})
        self.workers_wanted = workers
        self._make = make
        width = max(1, concurrency)  # split exactly, so that the workers' calls add up to C (at least one each)
        self._shares = [max(1, width // workers + (1 if i < width % workers else 0)) for i in range(workers)]
        self._put_cached = put_cached
        self._cache = cache
        self._workers: list[_Worker] = []
        self._ids = itertools.count()

    async def start(self) -> None:
        """Fork the workers; nothing has been sent yet, so none inherits a connection."""
        context = multiprocessing.get_context("fork")
        parent_ends: list[socket.socket] = []
        gc.collect()
        for number in range(self.workers_wanted):
            mine, theirs = socket.socketpair()
            process = context.Process(
                target=_worker_main, name=f"aimlabel-worker-{number + 1}", daemon=True,
                args=(theirs, self._make, self._shares[number], self._cache, [s.fileno() for s in (*parent_ends, mine)]),
            )
            process.start()
            theirs.close()
            parent_ends.append(mine)
            reader, writer = await asyncio.open_connection(sock=mine)
            worker = _Worker(number, process, writer, self._shares[number])
            worker.reading = asyncio.create_task(self._read(worker, reader))
            self._workers.append(worker)

    async def label(self, article: Article, source: str | None = None, line: int | None = None) -> LabelRecord:
        live = [w for w in self._workers if w.alive]
        if not live:
            return self.not_attempted(article, source, line, ErrorInfo(
                type=WORKER_LOST, message="every labelling worker has stopped; resume the run to label this article"))
        worker = min(live, key=lambda w: len(w.pending) - w.share)  # the most room for another call
        request = next(self._ids)
        done: asyncio.Future[LabelRecord] = asyncio.get_running_loop().create_future()
        worker.pending[request] = (done, article, source, line)
        _write(worker.writer, (request, article, source, line))
        try:
            return await done
        finally:
            worker.pending.pop(request, None)

    async def _read(self, worker: _Worker, reader: asyncio.StreamReader) -> None:
        while (message := await _read(reader)) is not None:
            request, record, puts, *why = message
            for key, answer in puts:
                if self._put_cached is not None:
                    self._put_cached(key, answer)
            entry = worker.pending.get(request)
            if entry is None or entry[0].done():
                continue
            done, article, source, line = entry
            if record is None:  # the worker could not label it: an exception there, in words
                record = self.not_attempted(article, source, line, ErrorInfo(
                    type="internal_error", message=why[0] if why else "the worker could not label this article"))
            done.set_result(record)
        worker.alive = False
        await asyncio.to_thread(worker.process.join, 5)
        code = worker.process.exitcode
        why = ErrorInfo(type=WORKER_LOST, message=(
            f"labelling worker {worker.number + 1} stopped (exit code {code}) while it held this article; "
            "resume the run to label it again"))
        for done, article, source, line in list(worker.pending.values()):
            if not done.done():
                done.set_result(self.not_attempted(article, source, line, why))

    async def aclose(self) -> None:
        """Let the workers finish (they end when their connection closes), then reap them."""
        for worker in self._workers:
            with contextlib.suppress(OSError):
                worker.writer.close()
        for worker in self._workers:
            if worker.reading is not None:
                worker.reading.cancel()
                with contextlib.suppress(asyncio.CancelledError, OSError):
                    await worker.reading
            await asyncio.to_thread(worker.process.join, 5)
            if worker.process.is_alive():
                worker.process.terminate()
                await asyncio.to_thread(worker.process.join, 5)
        await self.adapter.aclose()


def _write(writer: asyncio.StreamWriter, message: Any) -> None:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    writer.write(_HEADER.pack(len(body)) + body)


async def _read(reader: asyncio.StreamReader) -> Any:
    """The next message, or None once the other side has closed."""
    try:
        head = await reader.readexactly(_HEADER.size)
        body = await reader.readexactly(_HEADER.unpack(head)[0])
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    return pickle.loads(body)


def _worker_main(sock: socket.socket, make: MakeLabeler, share: int, cache: ForwardedCache | None,
                 inherited: list[int]) -> None:
    """A worker's life: the parent's Ctrl-C is the parent's to handle (it closes the connection)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)
    for fd in inherited:
        with contextlib.suppress(OSError):
            os.close(fd)
    asyncio.run(_serve(sock, make(share, cache), cache))


async def _serve(sock: socket.socket, labeler: Labeler, cache: ForwardedCache | None) -> None:
    reader, writer = await asyncio.open_connection(sock=sock)
    tasks: set[asyncio.Task[None]] = set()
    if labeler.rules is not None:
        warming = asyncio.create_task(warm_rules())  # while the first calls are out
        tasks.add(warming)
        warming.add_done_callback(tasks.discard)

    async def one(request: int, article: Article, source: str | None, line: int | None) -> None:
        try:
            record: LabelRecord | None = await labeler.label(article, source, line)
            message: tuple[Any, ...] = (request, record, cache.take() if cache is not None else [])
        except Exception as exc:  # the parent records it as this article's failure
            message = (request, None, cache.take() if cache is not None else [], f"{type(exc).__name__}: {exc}")
        _write(writer, message)
        await writer.drain()

    while (message := await _read(reader)) is not None:
        task = asyncio.create_task(one(*message))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await labeler.adapter.aclose()
    writer.close()
