"""The event call: one request per event through the same adapter, schema, record/replay and
provenance as an article's label.

Each event's request is built under the token budget (`events.prompt`), sent with the event's
key (`event:<id>`, which names its file in a recording), and its answer checked by the same
rules as an event's own label (`events.build.check_written`). Every event ends with a
`Written` that says what happened: written, written with rule errors (`needs_review`), failed
with the error, or not attempted because the run stopped (refused credentials, a model not
found, a server unreachable: the same stop rule as a labelling run).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aimlabel import __version__
from aimlabel.core.prompt import Prompt
from aimlabel.core.record import ErrorInfo, LabelRecord, Provenance
from aimlabel.core.schema import schema_hash
from aimlabel.core.taxonomy import Taxonomy
from aimlabel.events.build import EventDraft, check_written
from aimlabel.events.prompt import EVENT_SCHEMA_VERSION, BudgetTooSmall, NothingToShow, event_model, render_event
from aimlabel.events.record import Excluded, Written
from aimlabel.model.base import ModelAdapter, ModelAnswer
from aimlabel.rules.config import RuleConfig
from aimlabel.rules.defaults import RULES_VERSION
from aimlabel.run.stop import StopRule

TOKEN_BUDGET = "token_budget"
NO_ARTICLES = "no_articles"


def event_key(event_id: str) -> str:
    """The key of an event's call: it names the event's file in a recording."""
    return f"event:{event_id}"


@dataclass
class EventWriter:
    adapter: ModelAdapter
    prompt: Prompt
    taxonomy: Taxonomy
    budget: int
    count: Callable[[str], int]
    counter_name: str
    rules: RuleConfig | None = None

    def provenance(self, answer: ModelAnswer | None) -> Provenance:
        s = self.adapter.settings
        return Provenance(
            tool_version=__version__, source="replay" if self.adapter.replay else "live", model_requested=s.model,
            model_served=answer.model_served if answer else None, mode=s.mode,
            recording_producer=answer.recording_producer if answer else None, prompt_id=self.prompt.id,
            prompt_version=self.prompt.version, prompt_hash=self.prompt.hash, schema_version=EVENT_SCHEMA_VERSION,
            schema_hash=schema_hash(event_model()), taxonomy_version=self.taxonomy.taxonomy_version,
            rules_version=RULES_VERSION if self.rules is not None else None,
        )

    async def write(self, draft: EventDraft) -> Written:
        try:
            request = render_event(self.prompt, draft, self.budget, self.count)
        except (BudgetTooSmall, NothingToShow) as exc:
            kind = TOKEN_BUDGET if isinstance(exc, BudgetTooSmall) else NO_ARTICLES
            return Written(status="failed", error=ErrorInfo(type=kind, message=str(exc)), provenance=self.provenance(None),
                           token_budget=self.budget, token_counter=self.counter_name)
        answer = await self.adapter.ask(event_key(draft.record.event_id), request.messages, event_model())
        sent = Written(status="failed", articles_sent=request.sent, articles_left_out=[Excluded(id=i, why=w) for i, w in request.left_out],
                       token_budget=self.budget, tokens_counted=request.tokens, token_counter=self.counter_name,
                       attempts=answer.attempts, usage=answer.usage, latency_ms=answer.latency_ms, provenance=self.provenance(answer))
        if answer.label is None:
            return sent.model_copy(update={"error": answer.error or ErrorInfo(type="error", message="no answer")})
        text = answer.label.model_dump()
        findings = (check_written(draft, text["title"], text["summary"], text["rationale"], taxonomy=self.taxonomy, config=self.rules)
                    if self.rules is not None else [])
        status = "needs_review" if any(f.severity == "error" for f in findings) else "ok"
        return sent.model_copy(update={"status": status, "findings": findings, **{k: text[k] for k in ("title", "summary", "rationale")}})


async def write_events(drafts: Sequence[EventDraft], writer: EventWriter, concurrency: int = 4) -> ErrorInfo | None:
    """Write every draft's `written` (in place), at most `concurrency` calls at once; returns why
    the run stopped early, or None."""
    rule = StopRule.for_adapter(writer.adapter)
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(draft: EventDraft) -> None:
        async with gate:
            why = rule.skip_reason()
            if why is not None:
                draft.record.written = Written(status="not_attempted", error=why, provenance=writer.provenance(None))
                return
            written = await writer.write(draft)
            rule.observe(LabelRecord(id=event_key(draft.record.event_id), status="failed" if written.error else "ok",
                                     error=written.error, attempts=written.attempts))
            draft.record.written = written
            if written.title:
                draft.record.title = written.title

    await asyncio.gather(*(one(d) for d in drafts if d.record.articles))
    for draft in drafts:
        if not draft.record.articles:
            draft.record.written = Written(status="failed", error=ErrorInfo(type=NO_ARTICLES, message="the event has no articles to write from"))
    return rule.reason()
