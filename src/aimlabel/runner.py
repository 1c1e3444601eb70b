"""Run a labelling job from a library call: what `aimlabel label`, eval and benchmarks share.

`LabelJob` holds the choices a user makes; `run_label_job` wires articles, prompt, adapter and
sink together and returns the totals. The CLI only parses options into a `LabelJob`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

from aimlabel.adapter import ModelSettings, OpenAIAdapter
from aimlabel.articles import InputFormat, InputProblem, iter_articles
from aimlabel.pipeline import Labeler, RunTotals, Sink, label_items
from aimlabel.prompt import DEFAULT_MAX_ARTICLE_TOKENS, load_prompt
from aimlabel.recording import RecordingReader, RecordingWriter
from aimlabel.schema import label_model
from aimlabel.taxonomy import default_taxonomy


@dataclass
class LabelJob:
    input: str
    settings: ModelSettings
    input_format: InputFormat = "auto"
    encoding: str = "utf-8"
    record: Path | None = None
    replay: RecordingReader | None = None
    prompt_file: Path | None = None
    max_article_tokens: int = DEFAULT_MAX_ARTICLE_TOKENS
    concurrency: int = 4
    producer: str | None = None
    transport: httpx2.AsyncBaseTransport | None = field(default=None, repr=False)


async def run_label_job_async(job: LabelJob, sink: Sink, on_problem: Callable[[InputProblem], None] | None = None) -> RunTotals:
    taxonomy = default_taxonomy()
    prompt = load_prompt(job.prompt_file, taxonomy)
    adapter = OpenAIAdapter(
        job.settings,
        transport=job.transport,
        record_to=RecordingWriter(job.record, producer=job.producer) if job.record is not None else None,
        replay_from=job.replay,
    )
    labeler = Labeler(adapter, prompt, label_model(), taxonomy, job.max_article_tokens)
    try:
        return await label_items(
            iter_articles(job.input, job.input_format, job.encoding), labeler, sink,
            source=job.input, concurrency=job.concurrency, on_problem=on_problem,
        )
    finally:
        await adapter.aclose()


def run_label_job(job: LabelJob, sink: Sink, on_problem: Callable[[InputProblem], None] | None = None) -> RunTotals:
    return asyncio.run(run_label_job_async(job, sink, on_problem))
