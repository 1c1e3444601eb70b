"""An offline job spread over the machine's cores: one forked process per shard of the input.

A replay sends nothing over the network: its time is parsing recorded answers and the rule check,
all CPU, and one Python process uses one core. So a replay with no store (replays are side-effect
free) is split: child k labels the items at positions k, k + n, k + 2n, ... and sends its records
back in its own order; the parent interleaves them, which restores input order exactly, because
every input item gives exactly one record. The children are forked after the parent has imported
what labelling needs, so they start in milliseconds and share its memory until they write to it.

Anything with an owner stays in one process and is never sharded: a run store, its lease, a
recorder, a live server's budget (`shardable`).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable
from dataclasses import fields, replace
from multiprocessing.connection import Connection, wait
from typing import Any

from aimlabel.core.record import LabelRecord
from aimlabel.model.factory import load_sdk
from aimlabel.run.job import JobError, JobResult, LabelJob, RunMeter, run_label_job
from aimlabel.run.pipeline import RunTotals

BATCH = 256  # records a child sends at once: few messages, little waiting in the parent
MIN_SHARD = 1000  # items worth a process of their own: below this, forking costs more than it saves


def usable_cores() -> int:
    """The cores this process may run on (a container or `taskset` may allow fewer than exist)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def replay_workers(items: int) -> int:
    """How many processes a replay of `items` items is spread over: one per usable core, and
    none for fewer than `MIN_SHARD` items each."""
    return max(1, min(usable_cores(), items // MIN_SHARD))


def shardable(job: LabelJob) -> bool:
    """Only a replay with nothing that needs one owner, where processes can be forked."""
    return (job.replay is not None and job.store is None and job.record is None and job.max_cost is None
            and job.input != "-" and "fork" in multiprocessing.get_all_start_methods())


def run_sharded(job: LabelJob, sink: Callable[[LabelRecord], None], workers: int) -> JobResult:
    """`run_label_job` over `workers` forked processes; records reach `sink` in input order."""
    if workers <= 1 or not shardable(job):
        return run_label_job(job, sink)
    context = multiprocessing.get_context("fork")
    load_sdk()
    # The parent's objects stay shared with the children, not copied by the collector. No full
    # collection first: over the SDK's and the input's objects it took 0.2 s to free a few dozen.
    gc.freeze()
    children: list[tuple[Any, Connection]] = []
    try:
        for k in range(workers):
            receive, send = context.Pipe(duplex=False)
            child = context.Process(target=_child, args=(job, k, workers, send), daemon=True, name=f"aimlabel-shard-{k}")
            child.start()
            send.close()
            children.append((child, receive))
        return _collect(job, sink, children)
    finally:
        for child, receive in children:
            receive.close()
            if child.is_alive():
                child.terminate()
            child.join()
        gc.unfreeze()


def _collect(job: LabelJob, sink: Callable[[LabelRecord], None], children: list[tuple[Any, Connection]]) -> JobResult:
    n = len(children)
    queues: list[deque[LabelRecord]] = [deque() for _ in range(n)]
    results: dict[int, tuple[JobResult, RunMeter]] = {}
    shard_of = {id(receive): k for k, (_, receive) in enumerate(children)}
    open_ends = [receive for _, receive in children]
    turn = 0
    while open_ends:
        for end in wait(open_ends):
            assert isinstance(end, Connection)
            k = shard_of[id(end)]
            try:
                message = end.recv()
            except EOFError:
                open_ends.remove(end)
                if k not in results:
                    child = children[k][0]
                    child.join()
                    raise JobError(f"replay shard {k + 1} of {n} ended without finishing (exit code {child.exitcode})") from None
                continue
            kind, payload = message
            if kind == "records":
                queues[k].extend(payload)
            elif kind == "done":
                results[k] = payload
            else:
                raise payload
        while queues[turn % n]:
            sink(queues[turn % n].popleft())
            turn += 1
    if any(queues):  # a shard stopped early: the others' records still reach the sink, in input order
        rest = sorted((k + n * i, record) for k, queue in enumerate(queues) for i, record in enumerate(queue))
        for _, record in rest:
            sink(record)
    return _merged(job, [results[k] for k in range(n)])


def _merged(job: LabelJob, parts: list[tuple[JobResult, RunMeter]]) -> JobResult:
    totals = RunTotals()
    for f in fields(RunTotals):
        if f.name != "stop":
            setattr(totals, f.name, sum(getattr(result.totals, f.name) for result, _ in parts))
    totals.stop = next((result.totals.stop for result, _ in parts if result.totals.stop is not None), None)
    meter = job.meter
    for _, part in parts:
        meter.done += part.done
        meter.failed += part.failed
        meter.resumed += part.resumed
        meter.tokens += part.tokens
        meter.cost = None if meter.cost is None or part.cost is None else meter.cost + part.cost
    costs = [result.cost for result, _ in parts]
    return JobResult(
        totals=totals, run_name=None, cost=None if any(c is None for c in costs) else sum(c for c in costs if c is not None),
        tokens=sum(result.tokens for result, _ in parts), cache_hits=sum(result.cache_hits for result, _ in parts),
        fast_replays=sum(result.fast_replays for result, _ in parts),
    )


def _child(job: LabelJob, k: int, n: int, out: Connection) -> None:
    """Label shard k of n and send the records back, then the result (or the exception)."""
    gc.disable()  # a shard's objects live until it ends; the collector would only walk them
    batch: list[LabelRecord] = []

    def send(record: LabelRecord) -> None:
        batch.append(record)
        if len(batch) >= BATCH:
            out.send(("records", batch[:]))
            batch.clear()

    meter = RunMeter()
    try:
        result = run_label_job(replace(job, shard=(k, n), meter=meter), send)
        if batch:
            out.send(("records", batch))
        out.send(("done", (result, meter)))
    except BaseException as exc:  # noqa: BLE001  the parent raises it (or says what it was)
        try:
            out.send(("error", exc))
        except Exception:  # an exception that does not pickle: its words still do
            out.send(("error", JobError(f"replay shard {k + 1} of {n} failed: {type(exc).__name__}: {exc}")))
    finally:
        out.close()
