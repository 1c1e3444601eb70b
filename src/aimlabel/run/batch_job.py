"""A labelling run through the OpenAI Batch API (or an offline batch engine such as vLLM's).

`aimlabel label INPUT --batch --run NAME` stores a `BatchConfig` with the run, labels every
article once (`batch_pass.label_pass`: each needs its first request), writes the requests into
files at the API's limits and sends each file as a batch. `aimlabel batch collect NAME` reads
the finished batches into the store and labels again: articles whose answers are all in end
with their record; those that need a re-ask, a rule-check fix round or a retry (an expired or
failed request) get it in a follow-up batch. It repeats (`--wait`) until every article is `ok`,
`needs_review` or `failed`, exactly as a live run would have labelled it, at batch prices.

The config holds everything a later command needs to label exactly as the submit did (the
input, prompt file, model settings, rules, limits); the run manifest holds the hashes that say
it still can (input file, prompt, schema), and a changed one is refused.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from aimlabel.core.articles import InputFormat
from aimlabel.core.prompt import DEFAULT_MAX_ARTICLE_TOKENS, Prompt, load_prompt
from aimlabel.core.record import Usage
from aimlabel.core.schema import label_model, schema_hash
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.model.base import ConfidenceSpec, Mode, ModelSettings, RetryPolicy
from aimlabel.model.factory import open_batch_adapter
from aimlabel.rules import RuleConfig
from aimlabel.run.batch_pass import DEFAULT_MAX_BYTES, DEFAULT_MAX_REQUESTS, Budget, PassTotals, RequestFiles, label_pass
from aimlabel.run.batch_store import BatchTables
from aimlabel.run.batch_submit import IngestTotals, Note, collect_batch, ingest_lines, refresh, send, send_unsent, settle_offline
from aimlabel.run.cache import BatchCachedAdapter
from aimlabel.run.confidence import CalibrationFile, Router
from aimlabel.run.job import JobError, LabelJob, build_manifest, check_calibration, create_or_resume
from aimlabel.run.manifest import RunManifest
from aimlabel.run.pipeline import Labeler
from aimlabel.run.plan import RequestTokens
from aimlabel.run.pricing import PriceTable
from aimlabel.run.store import RunStore

if TYPE_CHECKING:
    from aimlabel.model.batch import BatchAdapter
    from aimlabel.model.batch_api import BatchApi

EXPECTED_OUTPUT_TOKENS = 450


class BatchConfig(BaseModel):
    """How a batch run labels: fixed when it is submitted, read by every later command."""

    model_config = ConfigDict(extra="forbid")

    input: str
    input_path: str
    input_format: InputFormat = InputFormat.AUTO
    encoding: str = "utf-8"
    delimiter: str | None = None
    prompt_file: str | None = None
    model: str
    base_url: str | None = None
    mode: Mode = Mode.JSON_SCHEMA
    timeout: float = 60.0
    max_reasks: int = 2
    temperature: float | None = 0.0
    max_completion_tokens: int | None = None
    retries: int = 4
    rules: bool = True
    max_ai_principles: int = 5
    fix_rounds: int = 1
    max_article_tokens: int = DEFAULT_MAX_ARTICLE_TOKENS
    max_cost: float | None = None
    max_requests: int = DEFAULT_MAX_REQUESTS
    max_bytes: int = DEFAULT_MAX_BYTES
    record: str | None = None
    use_cache: bool = True
    offline: bool = False
    requests_file: str | None = None
    confidence: str = "off"  # the --confidence setting, as ConfidenceSpec prints it
    calibration: CalibrationFile | None = None  # the whole --calibration file: every collect routes with it

    def settings(self, api_key: str | None) -> ModelSettings:
        return ModelSettings(model=self.model, base_url=self.base_url, api_key=api_key, mode=self.mode, timeout=self.timeout,
                             max_reasks=self.max_reasks, temperature=self.temperature,
                             max_completion_tokens=self.max_completion_tokens, retry=RetryPolicy(max_retries=self.retries),
                             confidence=ConfidenceSpec.parse(self.confidence))

    def rule_config(self) -> RuleConfig | None:
        return RuleConfig(max_ai_principles=self.max_ai_principles) if self.rules else None


@dataclass
class Summary:
    """Where a batch run stands: records by status, requests by state, tokens and cost."""

    items: dict[str, int]
    requests: dict[str, int]
    tokens: int
    cost: float | None
    invalid_input: int = 0
    ingest: IngestTotals = field(default_factory=IngestTotals)
    last_pass: PassTotals | None = None

    @property
    def done(self) -> bool:
        return not self.requests.get("waiting") and not self.requests.get("unsent")

    @property
    def labelled(self) -> int:
        return sum(self.items.values())


@dataclass
class BatchRun:
    store: RunStore
    tables: BatchTables
    run_id: int
    name: str
    config: BatchConfig
    settings: ModelSettings
    prompt: Prompt
    prices: PriceTable
    state: str = "open"
    taxonomy: Taxonomy = field(default_factory=default_taxonomy)

    @property
    def work_dir(self) -> Path:
        """Request and result files on their way, next to the store."""
        return self.store.path.parent / "batch-files" / f"run-{self.run_id}"

    def budget(self) -> Budget:
        prompt_tokens, completion_tokens, held = self.tables.spend(self.run_id)
        spent = self.prices.cost(self.config.model, Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens),
                                 batch=True) or 0.0
        tokens = RequestTokens(self.config.model, self.prompt) if self.config.max_cost is not None else None
        output = self.config.max_completion_tokens or EXPECTED_OUTPUT_TOKENS
        return Budget(self.config.max_cost, self.prices, self.config.model, tokens, output, spent + held)

    def summary(self) -> Summary:
        db = self.store.db
        items = dict(db.execute("SELECT status, COUNT(*) FROM items WHERE run_id = ? GROUP BY status", (self.run_id,)).fetchall())
        invalid = db.execute("SELECT COUNT(*) FROM items WHERE run_id = ? AND error_type = 'invalid_input'", (self.run_id,)).fetchone()[0]
        prompt_tokens, completion_tokens, _ = self.tables.spend(self.run_id)
        cost = self.prices.cost(self.config.model, Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens),
                                batch=not self.config.offline)
        return Summary(items, self.tables.counts(self.run_id), prompt_tokens + completion_tokens, cost, invalid)


def _manifest(config: BatchConfig, prompt: Prompt) -> RunManifest:
    job = LabelJob(input=config.input_path, settings=config.settings(None), max_article_tokens=config.max_article_tokens,
                   rules=config.rule_config(), fix_rounds=config.fix_rounds, calibration=config.calibration)
    manifest = build_manifest(job, prompt.hash, prompt.version, schema_hash(label_model()))
    return manifest.model_copy(update={"api": "offline batch" if config.offline else "batch", "input": config.input})


def _load_prompt(config: BatchConfig) -> Prompt:
    try:
        return load_prompt(Path(config.prompt_file) if config.prompt_file else None)
    except (OSError, ValueError) as exc:
        raise JobError(f"cannot load prompt: {exc}") from None


def begin_run(store: RunStore, name: str, config: BatchConfig, api_key: str | None, prices: PriceTable) -> tuple[BatchRun, int]:
    """Create the batch run `name`, or take it up again with the same settings (its failed
    articles are labelled afresh, as a live resume sends them again). Returns the run and how
    many failed articles were reset."""
    if config.max_cost is not None and prices.rates_for(config.model, batch=not config.offline) is None:
        raise JobError(f"--max-cost needs a batch price for model {config.model!r}: add it to a --prices file")
    prompt = _load_prompt(config)
    check_calibration(config.calibration, config.model, prompt, config.confidence)
    manifest = _manifest(config, prompt)
    tables = BatchTables(store)
    run_id, existed = create_or_resume(store, name, manifest)
    reset = tables.forget_failed(run_id) if existed else 0
    tables.put_job(run_id, config.model_dump_json())
    store.mark_run(run_id, "batch")
    run = BatchRun(store, tables, run_id, name, config, config.settings(api_key), prompt, prices)
    return run, reset


def open_run(store: RunStore, name: str, api_key: str | None, prices: PriceTable) -> BatchRun:
    """The stored batch run `name`, checked to label exactly as when it was submitted."""
    info = store.find_run(name)
    tables = BatchTables(store)
    job = tables.job(info.id) if info else None
    if info is None or job is None:
        what = "no run" if info is None else "a live run, not a batch run"
        raise JobError(f"{name!r} is {what} in {store.path} (see `aimlabel runs`)")
    config = BatchConfig.model_validate_json(job[0])
    prompt = _load_prompt(config)
    if not Path(config.input_path).is_file():
        raise JobError(f"the run's input {config.input_path} is gone: every pass reads it again")
    now = _manifest(config, prompt)
    changed = [k for k in ("input_hash", "prompt_hash", "schema_hash", "rules_version") if getattr(info.manifest, k) != getattr(now, k)]
    if changed:
        raise JobError(f"run {name!r}: the {', '.join(changed)} changed since it was submitted; put the files back as they were")
    return BatchRun(store, tables, info.id, name, config, config.settings(api_key), prompt, prices, job[1])


def _adapter(run: BatchRun) -> tuple[BatchAdapter, Labeler]:
    adapter = open_batch_adapter(run.settings, requests_allowed=run.state == "open", keep_exchanges=run.config.record is not None)
    asker = adapter
    if run.config.use_cache and run.config.record is None:
        asker = BatchCachedAdapter(adapter, run.store)  # type: ignore[assignment]
    calibration = run.config.calibration
    labeler = Labeler(asker, run.prompt, label_model(), run.taxonomy, run.config.max_article_tokens, run.config.rule_config(),
                      run.config.fix_rounds, Router(calibration) if calibration is not None else None)
    return adapter, labeler


def _files(run: BatchRun, api: BatchApi | None, note: Note) -> RequestFiles:
    config = run.config
    if config.offline:
        first = Path(config.requests_file or "requests.jsonl")
        count = len(run.tables.batches(run.run_id)) - len(run.tables.batches(run.run_id, "preparing"))

        def offline_path(row: int) -> Path:
            return first if count == 0 else first.with_name(f"{first.stem}.{count + 1}{first.suffix}")

        return RequestFiles(run.tables, run.run_id, first.parent, max_requests=10**12, max_bytes=10**15,
                            path_for=offline_path, final_state="offline", on_sealed=lambda row: note(f"wrote {offline_path(row)}"))

    def sealed(row: int) -> None:
        if api is not None:
            send(run, api, run.tables.batch(row))

    return RequestFiles(run.tables, run.run_id, run.work_dir, max_requests=config.max_requests, max_bytes=config.max_bytes,
                        path_for=lambda row: run.work_dir / f"part-{row}.jsonl", final_state="sealed", on_sealed=sealed)


async def _pass(run: BatchRun, api: BatchApi | None, note: Note) -> PassTotals:
    adapter, labeler = _adapter(run)
    try:
        return await label_pass(run, adapter, labeler, _files(run, api, note), note)
    finally:
        await adapter.aclose()


def label_once(run: BatchRun, api: BatchApi | None, note: Note) -> Summary:
    """One pass: label what can be labelled, send what must be asked (submit and prepare)."""
    if api is not None:
        send_unsent(run, api)
    totals = asyncio.run(_pass(run, api, note))
    return _finish(run, totals)


def _finish(run: BatchRun, totals: PassTotals | None) -> Summary:
    summary = run.summary()
    summary.last_pass = totals
    if summary.done:
        run.store.mark_run(run.run_id, "finished", {
            "ok": summary.items.get("ok", 0), "failed": summary.items.get("failed", 0),
            "needs_review": summary.items.get("needs_review", 0), "invalid_input": summary.invalid_input,
            "resumed": 0, "tokens": summary.tokens, "cost_usd": summary.cost})
    else:
        run.store.mark_run(run.run_id, "batch")
    return summary


def collect(run: BatchRun, api: BatchApi | None, *, output_file: Path | None = None, wait: bool = False,
            poll: float = 5.0, max_poll: float = 60.0, note: Note = lambda _: None,
            sleep: Callable[[float], None] = time.sleep) -> Summary:
    """Read what the batches (or `output_file`) answered, label again, send the follow-ups;
    with `wait`, repeat until every article is settled. Safe to run any number of times."""
    ingested = IngestTotals()
    if output_file is not None:
        with run.tables.transaction():
            ingested.add(ingest_lines(run.tables, run.run_id, output_file, note))
            settle_offline(run.tables, run.run_id)
    interval = poll
    first = True
    said = ""
    while True:
        news = first
        first = False
        if api is not None:
            send_unsent(run, api)
            for row in run.tables.batches(run.run_id, "submitted"):
                remote = refresh(run, api, row)
                if remote.terminal:
                    ingested.add(collect_batch(run, api, row, remote, note))
                    news = True
        totals = asyncio.run(_pass(run, api, note)) if news else None
        summary = _finish(run, totals)
        summary.ingest = ingested
        if summary.done or not wait or not summary.requests.get("waiting") or api is None:
            return summary
        line = progress_line(run, summary)
        if line != said:
            note(line)
            said = line
        sleep(interval)
        interval = poll if news else min(interval * 1.5, max_poll)


def progress_line(run: BatchRun, summary: Summary) -> str:
    rows = run.tables.batches(run.run_id, "submitted")
    states: dict[str, int] = {}
    for row in rows:
        states[row.status or "?"] = states.get(row.status or "?", 0) + 1
    batches = ", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "none running"
    return (f"batches: {batches}; articles: {summary.labelled:,} labelled; requests: "
            f"{summary.requests.get('waiting', 0):,} waiting, {summary.requests.get('answered', 0):,} answered")
