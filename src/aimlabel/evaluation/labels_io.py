"""Label records in and out, and running the pipeline over a gold file.

Kept apart from the CLI so the benchmark and tests drive exactly what `aimlabel eval` drives.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from aimlabel.model.base import ModelSettings
from aimlabel.core.record import LabelRecord
from aimlabel.model.recording import RecordingReader
from aimlabel.run.job import JobResult, LabelJob, run_label_job
from aimlabel.run.store import RunStore


class LabelsProblem(ValueError):
    """A labels file line that is not a label record; the message names the line."""


def load_records(path: Path) -> list[LabelRecord]:
    records = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                records.append(LabelRecord.model_validate_json(line))
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "line"
                raise LabelsProblem(f"{path}:{number}: not a label record ({where}: {first['msg']})") from None
    return records


def write_records(path: Path, records: list[LabelRecord]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(r.to_json() + "\n" for r in records), encoding="utf-8")


def label_gold(
    gold_path: Path,
    settings: ModelSettings,
    *,
    replay: RecordingReader | None = None,
    fast_replay: bool = True,
    concurrency: int = 4,
    prompt_file: Path | None = None,
    max_article_tokens: int | None = None,
    store: RunStore | None = None,
) -> tuple[list[LabelRecord], JobResult]:
    """Label every article of a gold file (it is an article file too); records in gold order."""
    records: list[LabelRecord] = []
    job = LabelJob(input=str(gold_path), settings=settings, input_format="jsonl", replay=replay,
                   fast_replay=fast_replay, concurrency=concurrency, prompt_file=prompt_file, store=store)
    if max_article_tokens is not None:
        job.max_article_tokens = max_article_tokens
    result = run_label_job(job, records.append)
    return records, result


def manifest_path_for(out: Path) -> Path:
    """`labels.jsonl` -> `labels.manifest.json`, next to it."""
    return out.with_name(out.name.removesuffix(".jsonl") + ".manifest.json")


def dump_json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
