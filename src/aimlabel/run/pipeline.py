"""Articles -> prompt -> model -> label records, streamed and in input order.

`Labeler` turns one article into one `LabelRecord`; `label_items` runs it over a stream with
`concurrency` calls always in flight and hands records to a sink in input order. A new article
starts the moment any call ends: a finished record is committed at once (`RunSide.commit`) and
waits in a small reorder buffer that spills to the store (`aimlabel.run.reorder`), so one slow
article holds back the output, never the workers, and memory stays flat however long the input
is. One bad article never sinks a run: every input item ends as an `ok` or `failed` record, with
why. The rule check runs on the event loop itself: it is pure Python on at most the cut text
(the text the model saw), well under a millisecond for a typical article, so under the GIL a worker
thread gained no parallelism and its hand-off cost more CPU than the check (measured with
bench/bench_live.py and bench/bench_eval.py; see docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import importlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel

from aimlabel import __version__
from aimlabel.core.articles import Article, InputItem, InputProblem
from aimlabel.core.prompt import DEFAULT_MAX_ARTICLE_TOKENS, Prompt, render
from aimlabel.core.record import ArticleRef, Attempts, ErrorInfo, Finding, LabelRecord, Provenance
from aimlabel.core.record import article_ref as make_ref
from aimlabel.core.schema import SCHEMA_VERSION, schema_hash
from aimlabel.core.taxonomy import Taxonomy
from aimlabel.model.base import ModelAdapter, ModelAnswer
from aimlabel.rules import RULES_VERSION, RuleConfig
from aimlabel.run.reorder import Reorder, Spill, TempSpill
from aimlabel.run.stop import BUDGET, StopRule

Sink = Callable[[LabelRecord], None]
Route = Callable[[LabelRecord], LabelRecord]
REPLAY_ERRORS = ("replay_missing", "replay_mismatch", "batch_pending")  # batch_pending: the answer comes in a later batch


@dataclass
class Labeler:
    """Everything needed to label one article: prompt, response model, adapter."""

    adapter: ModelAdapter
    prompt: Prompt
    response_model: type[BaseModel]
    taxonomy: Taxonomy
    max_article_tokens: int = DEFAULT_MAX_ARTICLE_TOKENS
    rules: RuleConfig | None = None
    fix_rounds: int = 1
    router: Route | None = None  # a calibration's threshold (aimlabel.run.confidence), applied to each record

    def __post_init__(self) -> None:
        self._schema_hash = schema_hash(self.response_model)

    def provenance(self, answer: ModelAnswer | None) -> Provenance:
        s = self.adapter.settings
        return Provenance(
            tool_version=__version__,
            source="replay" if self.adapter.replay else "live",
            model_requested=s.model,
            model_served=answer.model_served if answer else None,
            mode=s.mode,
            recording_producer=answer.recording_producer if answer else None,
            batch_id=answer.batch_id if answer else None,
            prompt_id=self.prompt.id,
            prompt_version=self.prompt.version,
            prompt_hash=self.prompt.hash,
            schema_version=SCHEMA_VERSION,
            schema_hash=self._schema_hash,
            taxonomy_version=self.taxonomy.taxonomy_version,
            rules_version=RULES_VERSION if self.rules is not None else None,
        )

    async def label(self, article: Article, source: str | None = None, line: int | None = None) -> LabelRecord:
        """Label one article.

        With rules on, error findings are sent back to the model for at most `fix_rounds`
        re-asks; what remains marks the label `needs_review`. Usage, attempts and latency add
        up over every call made for the article.
        """
        rendered = render(self.prompt, article, self.max_article_tokens)
        answer = await self.adapter.ask(article.key, rendered.messages, self.response_model)
        usage, attempts, latency = answer.usage, answer.attempts, answer.latency_ms
        error, confidence = answer.error, answer.confidence
        label = answer.label.model_dump(mode="json") if answer.label is not None else None
        findings: list[Finding] = []
        if label is not None and self.rules is not None:
            from aimlabel.rules.item import feedback_message

            seen = "\n".join(t for t in (article.title, rendered.cut.text) if t)  # what the model read, not the uncut article
            findings = await self._check(label, article, seen)
            messages = rendered.messages
            for _ in range(self.fix_rounds):
                feedback = feedback_message(findings)
                if not feedback:
                    break
                messages = [*messages, {"role": "assistant", "content": json.dumps(label, ensure_ascii=False)},
                            {"role": "user", "content": feedback}]
                fixed = await self.adapter.ask(article.key, messages, self.response_model)
                usage, latency = usage + fixed.usage, latency + fixed.latency_ms
                attempts = Attempts(requests=attempts.requests + fixed.attempts.requests,
                                    answers=attempts.answers + fixed.attempts.answers, fix_rounds=attempts.fix_rounds + 1)
                if fixed.label is None:
                    if fixed.error is not None and fixed.error.type in REPLAY_ERRORS:
                        # The recording lacks this fix round: the label is not what a live run gives.
                        label, error = None, fixed.error
                    break
                label, confidence = fixed.label.model_dump(mode="json"), fixed.confidence
                findings = await self._check(label, article, seen)
        if label is None:
            status = "failed"
        elif any(f.severity == "error" for f in findings):
            status = "needs_review"
        else:
            status = "ok"
        ref = article_ref(article, source, line, rendered.cut.chars_total, len(rendered.cut.text), rendered.cut.truncated)
        record = LabelRecord(
            id=article.key,
            status=status,  # type: ignore[arg-type]
            label=label,
            error=error if label is None else None,
            article=ref,
            attempts=attempts,
            usage=usage,
            latency_ms=round(latency, 3),
            cached=answer.cached,
            provenance=self.provenance(answer),
            findings=findings,
            confidence=confidence if label is not None else None,
            review_reasons=["rule_error"] if status == "needs_review" else [],
        )
        return self.router(record) if self.router is not None else record

    async def aclose(self) -> None:
        """Close what labelling holds open: the adapter's connections (and, in `run.workers`, the workers)."""
        await self.adapter.aclose()

    async def _check(self, label: dict[str, object], article: Article, seen: str) -> list[Finding]:
        """The rule check, on the event loop (see the module docstring)."""
        from aimlabel.rules.item import check_label  # loaded on first use (see `warm_rules`)

        return check_label(label, article, taxonomy=self.taxonomy, config=self.rules, text=seen)

    def not_attempted(self, article: Article, source: str | None, line: int | None, why: ErrorInfo) -> LabelRecord:
        return LabelRecord(
            id=article.key,
            status="failed",
            error=why,
            article=article_ref(article, source, line),
            provenance=self.provenance(None),
        )


async def warm_rules() -> None:
    """Load the rule check in a thread while the first calls are out. Loading compiles every
    rule's patterns (a few tenths of a second), which is no reason to hold back the first
    request; once the first requests are written (`FIRST_WAVE`) the event loop waits on the
    network, so the load costs the run nothing. Started earlier, it held the GIL while they were
    being connected. Never awaited for its own sake: the first check imports what it needs."""
    from aimlabel.model.http import FIRST_WAVE

    await FIRST_WAVE.written()
    await asyncio.to_thread(importlib.import_module, "aimlabel.rules.item")


def article_ref(article: Article, source: str | None, line: int | None, chars_total: int | None = None,
                chars_sent: int | None = None, truncated: bool = False) -> ArticleRef:
    return make_ref(article, source, line, content_hash=article.content_hash, chars_total=chars_total,
                    chars_sent=chars_sent, truncated=truncated)


def problem_record(problem: InputProblem) -> LabelRecord:
    return LabelRecord(
        id=problem.raw_id or f"{problem.source}:{problem.line}",
        status="failed",
        error=ErrorInfo(type="invalid_input", message=f"{problem.source} line {problem.line}: {problem.message}"),
        article=ArticleRef(id=problem.raw_id, source=problem.source, line=problem.line),
        provenance=Provenance(tool_version=__version__),
    )


@dataclass
class RunTotals:
    ok: int = 0
    failed: int = 0
    needs_review: int = 0
    invalid_input: int = 0
    resumed: int = 0
    cached: int = 0
    not_sent: int = 0
    fixed: int = 0  # articles sent back for at least one rule-check fix round
    stop: ErrorInfo | None = None

    @property
    def total(self) -> int:
        return self.ok + self.failed

    @property
    def new(self) -> int:
        """Articles answered by a call in this run (not resumed, cached or left unsent): with
        `resumed`, `cached` and `not_sent` a partition of `total`."""
        return self.total - self.resumed - self.cached - self.not_sent

    @property
    def fix_round_share(self) -> float:
        """The share of finished articles whose first answer went back for a fix round."""
        return self.fixed / self.total if self.total else 0.0

    @property
    def stopped(self) -> ErrorInfo | None:
        """Why the run stopped early (a fatal error, an unreachable server, the budget), or None."""
        return self.stop

    @property
    def fatal(self) -> ErrorInfo | None:
        """The stop reason when it is an error of the model server (not the budget)."""
        return self.stop if self.stop is not None and self.stop.type != BUDGET else None


class RunSide(Protocol):
    """The run around the pipeline: what was done before, when to stop, where records go.

    `resume(seq, article)` may return a finished record from an earlier run (no call is made);
    `skip_reason()` is asked before each call: once it gives an error (see `aimlabel.run.stop`),
    the remaining articles are recorded as not attempted with it; `commit(seq, record)` gets
    every new record the moment it exists (before it reaches the sink in input order), so a
    store can keep it at once; `stop_reason()` is the run's own reason, for its totals;
    `stop_for(exc)` turns an exception that ends the run cleanly (no space left) into that
    reason, or None to let it propagate; `spill()` is where records wait for their turn.
    """

    def resume(self, seq: int, article: Article) -> LabelRecord | None: ...

    def skip_reason(self) -> ErrorInfo | None: ...

    def stop_reason(self) -> ErrorInfo | None: ...

    def stop_for(self, exc: BaseException) -> ErrorInfo | None: ...

    def commit(self, seq: int, record: LabelRecord) -> None: ...

    def spill(self) -> Spill: ...


@dataclass
class PlainSide:
    """No store, no budget: only the stop rule (fatal errors, an unreachable server)."""

    rule: StopRule

    def resume(self, seq: int, article: Article) -> LabelRecord | None:
        return None

    def skip_reason(self) -> ErrorInfo | None:
        return self.rule.skip_reason()

    def stop_reason(self) -> ErrorInfo | None:
        return self.rule.reason()

    def stop_for(self, exc: BaseException) -> ErrorInfo | None:
        return self.rule.stop_for(exc)

    def commit(self, seq: int, record: LabelRecord) -> None:
        self.rule.observe(record)

    def spill(self) -> Spill:
        return TempSpill()


YIELD_EVERY = 256  # records settled without a call (resumed, unreadable) between two turns of the event loop


async def label_items(
    items: Iterable[InputItem],
    labeler: Labeler,
    sink: Sink,
    *,
    source: str | None = None,
    concurrency: int = 4,
    on_problem: Callable[[InputProblem], None] | None = None,
    side: RunSide | None = None,
    reorder_limit: int | None = None,
    ahead: int = 0,
) -> RunTotals:
    """Label every item, emitting records in input order with `concurrency` calls in flight.

    `ahead` more articles may be in hand than calls in flight: where the adapter's wire holds at
    most `concurrency` exchanges at once (`model.http.WireTransport`), an article whose answer is
    in and being parsed and checked no longer keeps the next article's call from leaving, so the
    server always has C calls to work on (a wave of answers that arrive together is checked one
    after another, which with C=64 held the last one's next call back by 0.2 s of a 0.5 s cycle).

    Without a `side`, the run stops only on what the model's errors say (`PlainSide`). At most
    `reorder_limit` finished records (default: 4 x concurrency, at least 256) wait in memory for
    a slower predecessor; the rest wait in the side's spill. An exception from a call, a commit
    or the sink cancels the calls in flight and ends the run: with the side's stop reason when
    it has one (no space left), else by propagating.
    """
    run = side or PlainSide(StopRule.for_adapter(labeler.adapter))
    totals = RunTotals()
    width = max(1, concurrency)
    slots = asyncio.Semaphore(width + max(0, ahead))
    tasks: set[asyncio.Task[tuple[int, LabelRecord]]] = set()
    failures: list[BaseException] = []

    def emit(record: LabelRecord) -> None:
        if record.status == "failed":
            totals.failed += 1
        else:
            totals.ok += 1
            totals.needs_review += record.status == "needs_review"
        totals.fixed += record.attempts.fix_rounds > 0
        sink(record)

    warming: asyncio.Task[None] | None = None
    filling = True  # the first `width` calls: each is let out before the next is built
    spill = run.spill()
    order = Reorder(emit, spill, reorder_limit or max(256, 4 * width))

    def settle(seq: int, record: LabelRecord) -> None:
        try:
            order.put(seq, record)
        except Exception as exc:  # the sink or the spill failed: the run ends
            failures.append(exc)

    def finished(task: asyncio.Task[tuple[int, LabelRecord]]) -> None:
        tasks.discard(task)
        slots.release()
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            failures.append(exc)
        else:
            settle(*task.result())

    async def one(seq: int, article: Article, line: int) -> tuple[int, LabelRecord]:
        record = await labeler.label(article, source, line)
        totals.cached += record.cached
        run.commit(seq, record)
        return seq, record

    try:
        for seq, item in enumerate(items):
            if failures:
                break
            if seq % YIELD_EVERY == YIELD_EVERY - 1:
                await asyncio.sleep(0)
            if isinstance(item, InputProblem):
                totals.invalid_input += 1
                totals.not_sent += 1
                if on_problem:
                    on_problem(item)
                record = problem_record(item)
                run.commit(seq, record)
                settle(seq, record)
                continue
            line, article = item
            earlier = run.resume(seq, article)
            if earlier is not None:
                totals.resumed += 1
                settle(seq, earlier)
                continue
            await slots.acquire()
            if failures:
                slots.release()
                break
            why = run.skip_reason()
            if why is not None:
                slots.release()
                totals.not_sent += 1
                record = labeler.not_attempted(article, source, line, why)
                run.commit(seq, record)
                settle(seq, record)
                continue
            task = asyncio.create_task(one(seq, article, line))
            tasks.add(task)
            task.add_done_callback(finished)
            if not filling:
                continue
            if len(tasks) >= width:
                filling = False
                if labeler.rules is not None:
                    warming = asyncio.create_task(warm_rules())  # every slot has its call: the loop waits now
            else:
                await asyncio.sleep(0)  # the calls already made go out while the next ones are built
        while tasks and not failures:
            await asyncio.wait(set(tasks), return_when=asyncio.FIRST_COMPLETED)
    except Exception as exc:  # a commit of a record made here (store full, ...)
        failures.append(exc)
    finally:
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if warming is not None:
            warming.cancel()  # a run shorter than the first wave's wait has nothing left to warm
            await asyncio.gather(warming, return_exceptions=True)
        spill.close()
    if failures:
        stop = run.stop_for(failures[0])
        if stop is None:
            raise failures[0]
        totals.stop = stop
        return totals
    totals.stop = run.stop_reason()
    return totals
