"""Label the articles of a gold file (a gold file is an articles file too), as `aimlabel eval` does.

Kept apart from the CLI so the benchmark and tests drive exactly what `aimlabel eval` drives.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aimlabel.core.articles import InputFormat
from aimlabel.core.prompt import DEFAULT_MAX_ARTICLE_TOKENS
from aimlabel.core.record import LabelRecord
from aimlabel.model.base import ModelSettings
from aimlabel.model.recording import RecordingReader
from aimlabel.rules import RuleConfig
from aimlabel.run.job import JobResult, LabelJob, RunMeter
from aimlabel.run.shards import run_sharded
from aimlabel.run.store import RunStore

DEFAULT_RULES = RuleConfig()  # frozen: safe to share


def label_gold(
    gold_path: Path,
    settings: ModelSettings,
    *,
    replay: RecordingReader | None = None,
    fast_replay: bool = True,
    concurrency: int = 4,
    prompt_file: Path | None = None,
    max_article_tokens: int = DEFAULT_MAX_ARTICLE_TOKENS,
    rules: RuleConfig | None = DEFAULT_RULES,
    fix_rounds: int = 1,
    store: RunStore | None = None,
    meter: RunMeter | None = None,
    on_record: Callable[[LabelRecord], None] | None = None,
    workers: int = 1,
) -> tuple[list[LabelRecord], JobResult]:
    """Label every article of a gold file; records in gold order (`rules=None`: no rule check).

    `meter` and `on_record` let a caller show progress: the live counts, and each record as it
    is emitted. A replay with no store is spread over `workers` processes (`run.shards`); a
    live run always runs in this one."""
    records: list[LabelRecord] = []
    job = LabelJob(input=str(gold_path), settings=settings, input_format=InputFormat.JSONL, replay=replay,
                   fast_replay=fast_replay, concurrency=concurrency, prompt_file=prompt_file, store=store,
                   max_article_tokens=max_article_tokens, rules=rules,
                   fix_rounds=fix_rounds, meter=meter or RunMeter())

    def sink(record: LabelRecord) -> None:
        records.append(record)
        if on_record is not None:
            on_record(record)

    result = run_sharded(job, sink, workers)
    return records, result
