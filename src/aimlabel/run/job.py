"""Run a labelling job from a library call: what `aimlabel label`, eval and benchmarks share.

`LabelJob` holds the choices a user makes; `run_label_job` wires articles, prompt, adapter,
run store, cache and budget together, commits each record to the store as it completes, and
hands it to the caller's sink in input order. With a store, the run is leased to this process
for as long as it runs (`aimlabel.run.lease`): a second process on the same run name is refused,
naming the owner, and a heartbeat keeps the lease fresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aimlabel.core.articles import Article, InputFormat, InputItem, InputProblem
from aimlabel.core.hashing import sha256_file
from aimlabel.core.prompt import DEFAULT_MAX_ARTICLE_TOKENS, Prompt, load_prompt
from aimlabel.core.readers import ArticleStream, InputError, iter_articles
from aimlabel.core.record import ErrorInfo, LabelRecord
from aimlabel.core.schema import SCHEMA_VERSION, label_model, schema_hash
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.model.base import ModelAdapter, ModelSettings
from aimlabel.model.factory import open_adapter
from aimlabel.model.recording import RecordingReader, RecordingWriter
from aimlabel.rules import RULES_VERSION, RuleConfig
from aimlabel.run.cache import CachedAdapter
from aimlabel.run.confidence import CalibrationFile, CalibrationProblem, Router, refuse_mismatch
from aimlabel.run.lease import HEARTBEAT_EVERY, STALE_AFTER, Owner, RunBusy, this_process
from aimlabel.run.manifest import RunManifest, new_manifest
from aimlabel.run.pipeline import Labeler, RunTotals, Sink, label_items
from aimlabel.run.pricing import PriceTable, load_prices
from aimlabel.run.reorder import Spill, TempSpill
from aimlabel.run.signals import run_interruptible
from aimlabel.run.stop import StopRule, no_space
from aimlabel.run.store import Claim, RunStore

if TYPE_CHECKING:
    import httpx2
    from pydantic import BaseModel


class JobError(Exception):
    """The job cannot start as asked (a usage problem, reported in one line)."""


@dataclass
class RunMeter:
    """Live counts for progress display and the budget: updated as each new record completes."""

    done: int = 0
    failed: int = 0
    tokens: int = 0
    cost: float | None = 0.0
    resumed: int = 0

    @property
    def completed(self) -> int:
        """Articles accounted for so far: new records and those taken from an earlier run."""
        return self.done + self.resumed

    def add(self, record: LabelRecord, prices: PriceTable) -> None:
        self.done += 1
        self.failed += record.status == "failed"
        if record.cached or not record.usage.total_tokens:
            return
        self.tokens += record.usage.total_tokens
        cost = prices.record_cost(record)
        self.cost = None if self.cost is None or cost is None else self.cost + cost


@dataclass
class LabelJob:
    input: str
    settings: ModelSettings
    input_format: InputFormat = InputFormat.AUTO
    encoding: str = "utf-8"
    delimiter: str | None = None
    record: Path | None = None
    replay: RecordingReader | None = None
    fast_replay: bool = True
    prompt_file: Path | None = None
    max_article_tokens: int = DEFAULT_MAX_ARTICLE_TOKENS
    concurrency: int = 4
    producer: str | None = None
    store: RunStore | None = None
    run_name: str | None = None
    use_cache: bool = True
    max_cost: float | None = None
    prices: PriceTable | None = None
    rules: RuleConfig | None = field(default_factory=RuleConfig)
    fix_rounds: int = 1
    calibration: CalibrationFile | None = None
    meter: RunMeter = field(default_factory=RunMeter)
    transport: httpx2.AsyncBaseTransport | None = field(default=None, repr=False)
    lease_stale_after: float = STALE_AFTER
    heartbeat_every: float = HEARTBEAT_EVERY
    workers: int = 1  # labelling processes (run/workers.py); 1: this one
    shard: tuple[int, int] | None = None  # (k, n): only the items at positions k, k + n, ... (run/shards.py)


@dataclass
class JobResult:
    totals: RunTotals
    run_name: str | None
    cost: float | None
    tokens: int
    cache_hits: int
    fast_replays: int = 0
    took_over: Owner | None = None
    took_over_why: str | None = None


@dataclass
class JobSide:
    """The job's side of the pipeline: resume from the store, the stop rule, commit as records complete."""

    job: LabelJob
    prices: PriceTable
    run_id: int | None
    finished: dict[int, str]
    rule: StopRule

    def resume(self, seq: int, article: Article) -> LabelRecord | None:
        store = self.job.store
        if self.finished.get(seq) != article.key or store is None or self.run_id is None:
            return None
        found = store.get_item(self.run_id, seq)
        if found is None:
            return None
        self.job.meter.resumed += 1
        return found[1]

    def skip_reason(self) -> ErrorInfo | None:
        return self.rule.skip_reason()

    def stop_reason(self) -> ErrorInfo | None:
        return self.rule.reason()

    def stop_for(self, exc: BaseException) -> ErrorInfo | None:
        return self.rule.stop_for(exc)

    def commit(self, seq: int, record: LabelRecord) -> None:
        if self.job.store is not None and self.run_id is not None:
            self.job.store.put_item(self.run_id, seq, record)
        self.job.meter.add(record, self.prices)
        self.rule.observe(record, self.job.meter.cost)

    def spill(self) -> Spill:
        if self.job.store is not None and self.run_id is not None:
            return StoreSpill(self.job.store, self.run_id)
        return TempSpill()


@dataclass
class StoreSpill:
    """Records waiting for their turn are already committed to the store: read them back from it."""

    store: RunStore
    run_id: int

    def put(self, seq: int, record: LabelRecord) -> None:
        """Nothing to write: `JobSide.commit` (or the earlier run) stored it."""

    def take(self, seq: int) -> LabelRecord:
        found = self.store.get_item(self.run_id, seq)
        if found is None:
            raise LookupError(f"record {seq} of run {self.run_id} is not in the store")
        return found[1]

    def close(self) -> None:
        """The store outlives the run."""


def create_or_resume(store: RunStore, name: str, manifest: RunManifest) -> tuple[int, bool]:
    """The run `name`: created with `manifest`, or found and checked to have been started with the
    same settings (`RunManifest.changed`). Returns its id and whether it existed."""
    existing = store.find_run(name)
    if existing is None:
        return store.create_run(name, manifest).id, False
    _refuse_changed(existing.manifest, manifest, name)
    return existing.id, True


def new_run_name() -> str:
    return time.strftime("run-%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def build_manifest(job: LabelJob, prompt_hash: str, prompt_version: str, schema_digest: str) -> RunManifest:
    s = job.settings
    return new_manifest(
        model=s.model, base_url=s.base_url, mode=str(s.mode), params=s.request_params(),
        max_reasks=s.max_reasks, max_article_tokens=job.max_article_tokens,
        prompt_version=prompt_version, prompt_hash=prompt_hash,
        schema_version=SCHEMA_VERSION, schema_hash=schema_digest,
        taxonomy_version=default_taxonomy().taxonomy_version,
        rules_version=RULES_VERSION if job.rules is not None else None,
        fix_rounds=job.fix_rounds if job.rules is not None else 0,
        input=job.input, input_hash=None if job.input == "-" else sha256_file(job.input),
        source="replay" if job.replay is not None else "live",
        calibration=job.calibration.id if job.calibration is not None else None,
    )


def open_input(job: LabelJob) -> ArticleStream:
    """The job's articles, opened and checked before anything else is made (no run, no output)."""
    try:
        return iter_articles(job.input, job.input_format, job.encoding, job.delimiter)
    except InputError as exc:
        raise JobError(str(exc)) from None


def open_recorder(job: LabelJob) -> RecordingWriter | None:
    if job.record is None:
        return None
    try:
        return RecordingWriter(job.record, producer=job.producer)
    except OSError as exc:
        raise JobError(f"cannot write the recording to {job.record}: {exc.strerror or exc}") from None


def _refuse_changed(stored: RunManifest, manifest: RunManifest, run_name: str) -> None:
    changed = stored.changed(manifest)
    if changed:
        raise JobError(f"run {run_name!r} was started with a different {', '.join(changed)}; "
                       "resume it with the same settings or pick a new --run name")


@dataclass
class Lease:
    """This process's hold on a stored run: renewed every `every` seconds, given back at the end."""

    store: RunStore
    run_id: int
    name: str
    token: str

    async def keep(self, every: float, rule: StopRule) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                held = self.store.heartbeat(self.run_id, self.token)
                owner = None if held else self.store.lease_of(self.run_id)
            except sqlite3.Error:
                continue  # a busy or full store: the next commit says so
            if not held:
                rule.halt(ErrorInfo(type="lease_lost", message=(
                    f"run {self.name!r} was taken over by {owner.describe() if owner else 'another process'} "
                    "after this process missed its heartbeats; this process stopped sending")))
                return

    def release(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.store.release(self.run_id, self.token)


def _claim(store: RunStore, run_name: str, manifest: RunManifest, stale_after: float) -> tuple[Lease, dict[int, str], Claim]:
    """Lease the run (creating it, or resuming it with the same label settings)."""
    existing = store.find_run(run_name)
    if existing is not None:
        _refuse_changed(existing.manifest, manifest, run_name)
    owner = this_process()
    try:
        claim = store.claim_run(run_name, manifest, owner, stale_after)
    except RunBusy as exc:
        raise JobError(str(exc)) from None
    lease = Lease(store, claim.info.id, run_name, owner.token)
    if claim.created:
        return lease, {}, claim
    try:
        _refuse_changed(claim.info.manifest, manifest, run_name)  # it may have been created since find_run
        finished = store.finished_items(claim.info.id)
        store.mark_run(claim.info.id, "running")
        store.update_manifest(claim.info.id, claim.info.manifest.resumed_with(manifest))
    except BaseException:
        lease.release()
        raise
    return lease, finished, claim


def _mark(store: RunStore, run_id: int, status: str, totals: dict[str, object] | None = None) -> None:
    """Record how the run ended; a store with no space left cannot, and the run's error says why."""
    try:
        store.mark_run(run_id, status, totals)
    except sqlite3.Error as exc:
        if no_space(exc) is None:
            raise


def check_calibration(calibration: CalibrationFile | None, model: str, prompt: Prompt, confidence: str) -> None:
    """Refuse a calibration file made for another model, prompt or confidence method, in one line."""
    if calibration is None:
        return
    try:
        refuse_mismatch(calibration, model=model, prompt_version=prompt.version, prompt_hash=prompt.hash, confidence=confidence)
    except CalibrationProblem as exc:
        raise JobError(str(exc)) from None


async def run_label_job_async(job: LabelJob, sink: Sink, on_problem: Callable[[InputProblem], None] | None = None) -> JobResult:
    taxonomy = default_taxonomy()
    prompt = load_prompt(job.prompt_file, taxonomy)
    response_model = label_model()
    check_calibration(job.calibration, job.settings.model, prompt, str(job.settings.confidence))
    prices = job.prices or load_prices()
    if job.max_cost is not None and prices.price_for(job.settings.model) is None:
        raise JobError(f"--max-cost needs a price for model {job.settings.model!r}: add it to a --prices file")
    items = open_input(job)
    selected: Iterator[InputItem] = items if job.shard is None else itertools.islice(items, job.shard[0], None, job.shard[1])
    try:
        return await _run(job, selected, open_recorder(job), Labelling(prompt, response_model, taxonomy, prices), sink, on_problem)
    finally:
        items.close()


@dataclass(frozen=True)
class Labelling:
    """What every article of a job is labelled with."""

    prompt: Prompt
    response_model: type[BaseModel]
    taxonomy: Taxonomy
    prices: PriceTable


async def _run(job: LabelJob, items: Iterator[InputItem], recorder: RecordingWriter | None, how: Labelling, sink: Sink,
               on_problem: Callable[[InputProblem], None] | None) -> JobResult:
    prompt, response_model, prices = how.prompt, how.response_model, how.prices
    lease: Lease | None = None
    finished: dict[int, str] = {}
    claim: Claim | None = None
    run_name = job.run_name
    if job.store is not None:
        run_name = run_name or new_run_name()
        manifest = build_manifest(job, prompt.hash, prompt.version, schema_hash(response_model))
        lease, finished, claim = _claim(job.store, run_name, manifest, job.lease_stale_after)
    run_id = lease.run_id if lease is not None else None
    try:
        inner = open_adapter(
            job.settings,
            transport=job.transport,
            record_to=recorder,
            replay_from=job.replay,
            fast_replay=job.fast_replay,
            pool_size=job.concurrency,
        )
        adapter: ModelAdapter = inner
        cached = job.store is not None and job.use_cache and job.record is None and job.replay is None
        if cached and job.store is not None:
            adapter = CachedAdapter(inner, job.store)
        labeler = Labeler(adapter, prompt, response_model, how.taxonomy, job.max_article_tokens, job.rules, job.fix_rounds,
                          Router(job.calibration) if job.calibration is not None else None)
        if job.workers > 1:
            labeler = await _start_workers(job, labeler, recorder, cached)
        rule = StopRule.for_adapter(adapter, max_cost=job.max_cost, resume_hint=run_name)
        side = JobSide(job, prices, run_id, finished, rule)
        keeper = asyncio.create_task(lease.keep(job.heartbeat_every, rule)) if lease is not None else None
        try:
            # C more articles in hand than calls in flight, where the wire limits the calls (each worker's
            # wire its share, the shares adding up to C). Not with a budget (its overshoot stays the calls
            # in flight), in a replay (no wire), or with more workers than calls (each keeps one call).
            live_wire = job.replay is None and job.max_cost is None and job.workers <= job.concurrency
            totals = await label_items(
                items, labeler, sink,
                source=job.input, concurrency=job.concurrency, on_problem=on_problem, side=side,
                ahead=job.concurrency if live_wire else 0,
            )
        finally:
            if keeper is not None:
                keeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await keeper
            await labeler.aclose()
        if job.store is not None and run_id is not None:
            _mark(job.store, run_id, "stopped" if totals.stop else "finished", {
                "ok": totals.ok, "failed": totals.failed, "needs_review": totals.needs_review, "invalid_input": totals.invalid_input,
                "resumed": totals.resumed, "fix_rounds": totals.fixed, "fix_round_share": round(totals.fix_round_share, 4),
                "tokens": job.meter.tokens, "cost_usd": job.meter.cost,
                "stop": totals.stop.model_dump() if totals.stop else None,
            })
    except BaseException:
        if job.store is not None and run_id is not None:
            with contextlib.suppress(sqlite3.Error):
                job.store.mark_run(run_id, "interrupted")
        raise
    finally:
        if lease is not None:
            lease.release()
    hits = totals.cached if job.workers > 1 else adapter.hits if isinstance(adapter, CachedAdapter) else 0
    return JobResult(totals, run_name, job.meter.cost, job.meter.tokens, hits, int(getattr(inner, "fast_replays", 0)),
                     claim.took_over if claim else None, claim.why if claim else None)


async def _start_workers(job: LabelJob, labeler: Labeler, recorder: RecordingWriter | None, cached: bool) -> Labeler:
    """Fork `job.workers` labelling processes, each with its own adapter over the same settings."""
    from aimlabel.run.workers import ForwardedCache, WorkerLabeler

    store = job.store if cached else None
    cache = ForwardedCache(store.path) if store is not None else None

    def make(share: int, view: ForwardedCache | None) -> Labeler:
        inner = open_adapter(job.settings, transport=job.transport, record_to=recorder, replay_from=job.replay,
                             fast_replay=job.fast_replay, pool_size=share)
        return dataclasses.replace(labeler, adapter=CachedAdapter(inner, view) if view is not None else inner)

    pool = WorkerLabeler(labeler, job.workers, make, job.concurrency, store.cache_put if store is not None else None, cache)
    await pool.start()
    return pool


def run_label_job(job: LabelJob, sink: Sink, on_problem: Callable[[InputProblem], None] | None = None) -> JobResult:
    """The job to the end; Ctrl-C and SIGTERM cancel it cleanly, then raise (see `aimlabel.run.signals`)."""
    return run_interruptible(run_label_job_async(job, sink, on_problem))
