"""Run the events layer from a library call: what `aimlabel events` and the tests drive.

Labels in (any form `aimlabel check` reads), event records out: group the articles without an
event_id when asked (`events.group`), build each event (`events.build`), and, with a model or a
recording, write each event's title, summary and rationale (`events.write`). The model SDK is
loaded only for that last step (`model.factory.open_adapter`), so building events without a
model starts without it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aimlabel.core.articles import Article
from aimlabel.core.labels_file import LabelItem
from aimlabel.core.record import ErrorInfo
from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.core.tokens import counter_for
from aimlabel.events.build import EventDraft, build_events
from aimlabel.events.group import DEFAULT_THRESHOLD, DEFAULT_WINDOW_DAYS, group_items
from aimlabel.events.merge import DEFAULT_MIN_SHARE
from aimlabel.events.prompt import DEFAULT_MAX_EVENT_TOKENS, event_prompt
from aimlabel.events.record import Grouping
from aimlabel.model.base import ModelSettings
from aimlabel.rules.config import RuleConfig
from aimlabel.run.signals import run_interruptible

if TYPE_CHECKING:
    import httpx2

    from aimlabel.model.recording import RecordingReader


@dataclass(frozen=True)
class GroupSettings:
    threshold: float = DEFAULT_THRESHOLD
    window_days: int = DEFAULT_WINDOW_DAYS


@dataclass
class EventsJob:
    items: list[LabelItem]
    texts: dict[str, Article] = field(default_factory=dict)
    settings: ModelSettings | None = None
    replay: RecordingReader | None = None
    record: Path | None = None
    fast_replay: bool = True
    prompt_file: Path | None = None
    max_event_tokens: int = DEFAULT_MAX_EVENT_TOKENS
    concurrency: int = 4
    min_share: float = DEFAULT_MIN_SHARE
    group: GroupSettings | None = None
    rules: RuleConfig = field(default_factory=RuleConfig)
    producer: str | None = None
    transport: httpx2.AsyncBaseTransport | None = field(default=None, repr=False)


@dataclass
class EventsResult:
    drafts: list[EventDraft]
    items: list[LabelItem]
    without_event: list[str]
    stopped: ErrorInfo | None = None


def run_events(job: EventsJob, note: Callable[[str], None] | None = None) -> EventsResult:
    """Build every event, and write it when `job.settings` names a model (live or replayed)."""
    items = job.items
    groupings: dict[str, Grouping] = {}
    if job.group is not None:
        items, groupings = group_items(items, job.texts, job.group.threshold, job.group.window_days)
    built = build_events(items, job.texts.values() if job.texts else None, config=job.rules, min_share=job.min_share, note=note)
    for draft in built.drafts:
        draft.record.grouping = groupings.get(draft.record.event_id)
    stopped = run_interruptible(_write(job, built.drafts)) if job.settings is not None else None
    return EventsResult(built.drafts, items, built.without_event, stopped)


async def _write(job: EventsJob, drafts: list[EventDraft]) -> ErrorInfo | None:
    from aimlabel.events.write import EventWriter, write_events
    from aimlabel.model.factory import open_adapter
    from aimlabel.model.recording import RecordingWriter

    settings = job.settings
    if settings is None:  # pragma: no cover - the caller checks
        return None
    adapter = open_adapter(settings, transport=job.transport, replay_from=job.replay, fast_replay=job.fast_replay,
                           record_to=RecordingWriter(job.record, producer=job.producer) if job.record is not None else None)
    count, counter_name = counter_for(settings.model)
    writer = EventWriter(adapter, event_prompt(job.prompt_file), default_taxonomy(), job.max_event_tokens, count, counter_name, job.rules)
    try:
        return await write_events(drafts, writer, job.concurrency)
    finally:
        await adapter.aclose()
