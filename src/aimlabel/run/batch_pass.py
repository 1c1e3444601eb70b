"""One labelling pass of a batch run: every article not yet settled, through the live `Labeler`.

Each pass streams the input again and labels every article that is neither finished nor waiting
on a batch, from the answers its requests got so far (`aimlabel.model.batch`). An article ends
with its record, exactly as a live run writes it, or with the request it needs next, which goes
into a request file: `RequestFiles` splits them at the API's limits (requests and bytes per
file), registers each request in the run store as it writes its line, and hands every complete
file on (to be uploaded, or kept for another engine). Nothing is held whole: the input, the
request files and the store are all read and written a line or a row at a time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from aimlabel.core.articles import InputProblem
from aimlabel.core.readers import iter_articles
from aimlabel.core.record import ErrorInfo, LabelRecord, Usage
from aimlabel.model.recording import Exchange, ItemRecording, RecordingWriter
from aimlabel.run.batch_store import BatchTables
from aimlabel.run.pipeline import Labeler, problem_record
from aimlabel.run.plan import RequestTokens
from aimlabel.run.pricing import PriceTable
from aimlabel.run.stop import BUDGET

if TYPE_CHECKING:
    from aimlabel.model.batch import BatchAdapter, PendingRequest
    from aimlabel.run.batch_job import BatchRun

COMMIT_EVERY = 500
DEFAULT_MAX_REQUESTS = 50_000
DEFAULT_MAX_BYTES = 200 * 1000 * 1000  # the API says 200 MB; the decimal reading is the safe one


class SeqSet:
    """A set of article positions as a bitmap: 10 million articles in 1.25 MB."""

    def __init__(self, seqs: Iterable[int] = ()) -> None:
        self.bits = bytearray()
        for seq in seqs:
            self.add(seq)

    def add(self, seq: int) -> None:
        byte = seq >> 3
        if byte >= len(self.bits):
            self.bits.extend(bytes(byte - len(self.bits) + 1 + (len(self.bits) >> 1)))
        self.bits[byte] |= 1 << (seq & 7)

    def __contains__(self, seq: int) -> bool:
        byte = seq >> 3
        return byte < len(self.bits) and bool(self.bits[byte] & (1 << (seq & 7)))


@dataclass
class PassTotals:
    settled: int = 0
    requested: int = 0
    waiting: int = 0
    budget: int = 0
    files: list[int] = field(default_factory=list)


class RequestFiles:
    """Where a pass's requests go: files of at most `max_requests` lines and `max_bytes` bytes.

    A file is written under a temp name in `directory` while its batch row is `preparing`;
    `sealed` (or, for another engine, `offline` at its final `path_for(row)` name) once complete.
    `on_sealed(row)` is called for each complete file, after its rows are committed.
    """

    def __init__(self, tables: BatchTables, run_id: int, directory: Path, *, max_requests: int, max_bytes: int,
                 path_for: Callable[[int], Path], final_state: str, on_sealed: Callable[[int], None]) -> None:
        self.tables, self.run_id, self.directory = tables, run_id, directory
        self.max_requests, self.max_bytes = max_requests, max_bytes
        self.path_for, self.final_state, self.on_sealed = path_for, final_state, on_sealed
        self._row: int | None = None
        self._fh: IO[bytes] | None = None
        self._tmp: Path | None = None
        self._lines = self._bytes = 0

    def add(self, seq: int, step: int, key: str, pending: PendingRequest, est_cost: float | None) -> None:
        from aimlabel.model.batch import request_line

        custom_id = key if step == 0 else f"{key}#{step}"
        size = len(request_line(custom_id, pending.body_text).encode("utf-8"))
        if self._row is not None and (self._lines >= self.max_requests or self._bytes + size > self.max_bytes):
            self.seal()
        if self._row is None:
            self._open()
        assert self._row is not None and self._fh is not None
        custom_id = self.tables.add_step(self.run_id, seq, step, custom_id, self._row, pending.body_hash, est_cost)
        data = request_line(custom_id, pending.body_text).encode("utf-8")
        self._fh.write(data)
        self._lines += 1
        self._bytes += len(data)

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._row = self.tables.new_batch(self.run_id, "preparing", "")
        self._tmp = self.directory / f".part-{self._row}.jsonl.tmp"
        self.tables.update_batch(self._row, local_path=str(self._tmp))
        self._fh = open(self._tmp, "wb")  # noqa: SIM115 - closed in seal()
        self._lines = self._bytes = 0

    def seal(self) -> None:
        """Finish the open file: flushed to disk, renamed, its rows committed, then handed on."""
        if self._row is None or self._fh is None or self._tmp is None:
            return
        fh, row = self._fh, self._row
        fh.flush()
        os.fsync(fh.fileno())
        fh.close()
        target = self.path_for(row)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._tmp, target)
        self.tables.update_batch(row, state=self.final_state, local_path=str(target), requests=self._lines, bytes=self._bytes)
        self._row, self._fh, self._tmp = None, None, None
        held = self.tables.db.in_transaction
        commit(self.tables)
        self.on_sealed(row)  # an upload: never inside a transaction
        if held:
            begin(self.tables)

    def abandon(self) -> None:
        """After an error: close the open file; its `preparing` row is discarded by the next pass."""
        if self._fh is not None:
            self._fh.close()
        self._row, self._fh = None, None


def begin(tables: BatchTables) -> None:
    if not tables.db.in_transaction:
        tables.db.execute("BEGIN IMMEDIATE")


def commit(tables: BatchTables) -> None:
    if tables.db.in_transaction:
        tables.db.execute("COMMIT")


async def label_pass(run: BatchRun, adapter: BatchAdapter, labeler: Labeler, files: RequestFiles,
                     note: Callable[[str], None] = lambda _: None) -> PassTotals:
    """Label every unsettled article of `run` once; see the module docstring. `note` hears about
    each unreadable input line (its record says the same)."""
    from aimlabel.model.batch import OutputLine, Step

    store, tables, run_id, config = run.store, run.tables, run.run_id, run.config
    for path in tables.discard_preparing(run_id):
        Path(path).unlink(missing_ok=True)
    settled = SeqSet(tables.settled(run_id))
    waiting = SeqSet(tables.waiting(run_id))
    budget = run.budget()
    recorder = RecordingWriter(Path(config.record), producer=None) if config.record else None
    totals = PassTotals()
    done = 0
    begin(tables)
    try:
        for seq, item in enumerate(iter_articles(config.input_path, config.input_format, config.encoding, config.delimiter)):
            if seq in settled:
                continue
            if isinstance(item, InputProblem):
                item = InputProblem(config.input, item.line, item.message, item.raw_id)
                note(f"{item.source}:{item.line}: skipped: {item.message}")
                store.put_item(run_id, seq, problem_record(item))
                totals.settled += 1
                continue
            if seq in waiting:
                totals.waiting += 1
                continue
            line, article = item
            steps = tables.steps(run_id, seq)
            adapter.begin(Step(s.body_hash, OutputLine.parse(s.answer).exchange(), s.batch_id) for s in steps if s.answer)
            record = await labeler.label(article, config.input, line)
            pending = adapter.pending
            if pending is not None:
                estimate = budget.estimate(pending)
                if not steps and budget.exceeded_by(estimate):
                    store.put_item(run_id, seq, labeler.not_attempted(article, config.input, line, budget.error(run.name)))
                    totals.budget += 1
                else:
                    budget.spent += estimate or 0.0
                    files.add(seq, steps[-1].step + 1 if steps else 0, article.key, pending, estimate)
                    totals.requested += 1
            else:
                store.put_item(run_id, seq, record)
                totals.settled += 1
                if recorder is not None and adapter.served and adapter.replayable():
                    recorder.save(_recording(record, adapter.served, adapter.settings.model))
            done += 1
            if done % COMMIT_EVERY == 0:
                commit(tables)
                begin(tables)
        files.seal()
        commit(tables)
    except BaseException:
        files.abandon()
        if tables.db.in_transaction:
            tables.db.execute("ROLLBACK")
        raise
    return totals


def _recording(record: LabelRecord, exchanges: list[Exchange], model: str) -> ItemRecording:
    served = record.provenance.model_served if record.provenance else None
    return ItemRecording(item=record.id, producer=served or model, model_requested=model, exchanges=exchanges)


@dataclass
class Budget:
    """`--max-cost` for a batch run: judged, as in a live run, before an article's first request.

    Batch answers come back a day later, so what counts is what the answers so far cost plus an
    estimate for every request still out (its input tokens as `plan` counts them, and
    `output_tokens` of answer), at the batch rate.
    """

    max_cost: float | None
    prices: PriceTable
    model: str
    tokens: RequestTokens | None
    output_tokens: int
    spent: float = 0.0

    def estimate(self, pending: PendingRequest) -> float | None:
        if self.max_cost is None or self.tokens is None:
            return None
        messages = json.loads(pending.body_text).get("messages", [])
        usage = Usage(prompt_tokens=self.tokens.of(messages), completion_tokens=self.output_tokens)
        return self.prices.cost(self.model, usage, batch=True)

    def exceeded_by(self, estimate: float | None) -> bool:
        return self.max_cost is not None and self.spent + (estimate or 0.0) > self.max_cost

    def error(self, run_name: str) -> ErrorInfo:
        return ErrorInfo(type=BUDGET, message=(
            f"budget of ${self.max_cost:g} reached (${self.spent:.4f} spent or held by requests sent); resume with "
            f"`aimlabel label INPUT --batch --run {run_name}` and a higher --max-cost"))
