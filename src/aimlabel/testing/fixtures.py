"""Make a replayable recording from hand-written answers, through the real pipeline.

The answers are served by `ScriptedModel` at the HTTP edge and recorded exactly as a live run
would record them, with producer `fixture`, so replaying them exercises the same parsing,
rules and provenance as a recorded model run, and nobody mistakes them for a model's work.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aimlabel.core.labels_file import LabelItem
from aimlabel.core.prompt import DEFAULT_MAX_ARTICLE_TOKENS
from aimlabel.core.record import LabelRecord
from aimlabel.events.record import EventRecord
from aimlabel.model.base import TOP_LOGPROBS, ConfidenceSpec, ModelSettings
from aimlabel.model.http import current_call
from aimlabel.model.logprobs import choice_text
from aimlabel.model.recording import FIXTURE_PRODUCER, ItemRecording
from aimlabel.run.job import LabelJob, run_label_job
from aimlabel.testing.fakes import Reply, ScriptedModel, chat_completion
from aimlabel.testing.logprobs import fake_logprobs


def load_answers(path: Path) -> dict[str, dict[str, Any]]:
    """JSONL of {"id": article key, "label": {...}} (or a bare label with an "id" field)."""
    answers: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        key = row.get("id")
        if not key:
            raise ValueError(f"{path}:{number}: answer has no id")
        answers[str(key)] = row["label"] if "label" in row else {k: v for k, v in row.items() if k != "id"}
    return answers


def record_fixture_answers(
    articles: Path,
    answers: dict[str, dict[str, Any]],
    out_dir: Path,
    *,
    mode: str = "json_schema",
    model: str = FIXTURE_PRODUCER,
    max_article_tokens: int = DEFAULT_MAX_ARTICLE_TOKENS,
    distribution_for: Callable[[str, dict[str, Any]], dict[str, float]] | None = None,
) -> list[LabelRecord]:
    """Record `answers` (by article key) for every article in `articles` into `out_dir`. With
    `distribution_for(key, answer)`, the run asks for logprobs and each answer carries them, with
    that class distribution (see `aimlabel.testing.logprobs`)."""

    def answer_for(_: dict[str, Any]) -> Reply:
        key = current_call.get().item_key
        if key not in answers:
            return Reply(400, {"error": {"message": f"no fixture answer for article {key!r}"}})
        body = chat_completion(answers[key], mode=mode, model=model)
        if distribution_for is not None:
            text = choice_text(body["choices"][0]) or ""
            body["choices"][0]["logprobs"] = fake_logprobs(text, distribution_for(key, answers[key]), TOP_LOGPROBS, compact=True)
        return Reply(200, body)

    fake = ScriptedModel(answer_for=answer_for)
    records: list[LabelRecord] = []

    job = LabelJob(
        input=str(articles),
        settings=ModelSettings(model=model, base_url="http://fixture.invalid/v1", mode=mode,  # type: ignore[arg-type]
                               confidence=ConfidenceSpec("logprobs" if distribution_for is not None else "off")),
        record=out_dir, max_article_tokens=max_article_tokens, concurrency=1, producer=FIXTURE_PRODUCER, transport=fake.transport(),
    )
    run_label_job(job, records.append)
    _zero_times(out_dir)
    return records


def _zero_times(out_dir: Path) -> None:
    """Fixture answers take no time: recorded times are zero, so recording again is byte-identical
    unless an answer or a request really changed, and the diff shows only that."""
    for path in sorted((out_dir / "items").glob("*.json")):
        recording = ItemRecording.model_validate_json(path.read_text(encoding="utf-8"))
        for exchange in recording.exchanges:
            exchange.elapsed_ms = 0.0
        path.write_text(recording.model_dump_json(indent=1) + "\n", encoding="utf-8")


def record_event_answers(items: list[LabelItem], answers: dict[str, dict[str, Any]], out_dir: Path, *,
                         mode: str = "json_schema", model: str = FIXTURE_PRODUCER) -> list[EventRecord]:
    """Record hand-written event answers (title, summary, rationale by event id) for the events of
    `items` into `out_dir`, through the real event call, as `record_fixture_answers` does for labels."""
    from aimlabel.events.run import EventsJob, run_events

    def answer_for(_: dict[str, Any]) -> Reply:
        key = current_call.get().item_key.removeprefix("event:")
        if key not in answers:
            return Reply(400, {"error": {"message": f"no fixture answer for event {key!r}"}})
        return Reply(200, chat_completion(answers[key], mode=mode, model=model, tool_name="AimEvent"))

    job = EventsJob(items=items, settings=ModelSettings(model=model, base_url="http://fixture.invalid/v1", mode=mode),  # type: ignore[arg-type]
                    record=out_dir, producer=FIXTURE_PRODUCER, transport=ScriptedModel(answer_for=answer_for).transport())
    result = run_events(job)
    _zero_times(out_dir)
    return [d.record for d in result.drafts]
