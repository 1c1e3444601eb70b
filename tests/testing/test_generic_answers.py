"""The fake server's generic answers: built from the request's JSON Schema alone, as an
independent schema-following server would, and what the rule check makes of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from aimlabel.core.record import LabelRecord
from aimlabel.core.schema import label_model, strict_json_schema
from aimlabel.model.base import ModelSettings, RetryPolicy
from aimlabel.rules import RuleConfig
from aimlabel.run.job import JobResult, LabelJob, run_label_job
from aimlabel.testing.fakeserver import FakeServerProcess, start_fake_server
from aimlabel.testing.fakeserver.generic import GenericFiller, generic_answer
from conftest import write_articles

FAST_RETRY = RetryPolicy(max_retries=0, base_wait=0.01, max_wait=0.05, honour_retry_after_up_to=0.2)
# Fields a generic filler picks on its own contradict each other; these rules say so, and rightly.
CONTRADICTION_RULES = {"harm.hazard", "harm.unrelated", "taxonomy.severity", "taxonomy.physical-harm"}


@pytest.fixture(scope="module")
def generic_server() -> Iterator[FakeServerProcess]:
    with start_fake_server(generic=True, max_seconds=120) as server:
        yield server


def _run(server: FakeServerProcess, articles: Path, mode: str = "json_schema", fix_rounds: int = 0) -> tuple[JobResult, list[LabelRecord]]:
    settings = ModelSettings(model="fake", base_url=server.base_url, api_key="test", mode=mode,  # type: ignore[arg-type]
                             timeout=5.0, max_reasks=0, retry=FAST_RETRY)
    records: list[LabelRecord] = []
    job = LabelJob(input=str(articles), settings=settings, concurrency=4, rules=RuleConfig(), fix_rounds=fix_rounds)
    return run_label_job(job, records.append), records


def test_a_generic_instance_fills_every_field_by_type_and_is_schema_valid() -> None:
    schema = strict_json_schema(label_model())
    article = "Title: Story\n\nThe first sentence is quoted. The second is not."
    answer = GenericFiller(schema, article).fill(schema)
    label = label_model().model_validate(answer).model_dump(mode="json")
    assert label["evidence"] == ["The first sentence is quoted."] and label["rationale"] == "The first sentence is quoted."
    assert label["ai_system"] is not None and all(v not in (None, []) for v in label.values())
    assert generic_answer({"messages": []}, article) is None  # no schema in the request: nothing to fill


@pytest.mark.parametrize("mode", ["json_schema", "tools"])
def test_generic_answers_parse_in_one_request(generic_server: FakeServerProcess, tmp_path: Path, mode: str) -> None:
    ids = write_articles(tmp_path / "in.jsonl", 12)
    result, records = _run(generic_server, tmp_path / "in.jsonl", mode)
    assert [r.id for r in records] == ids
    assert all(r.label is not None and r.attempts.model_dump() == {"requests": 1, "answers": 1, "fix_rounds": 0} for r in records)
    assert result.totals.fixed == 0
    errors = Counter(f.rule for r in records for f in r.findings if f.severity == "error")
    assert errors and set(errors) <= CONTRADICTION_RULES, errors  # no rationale, evidence or language rule fires


def test_md_json_gets_a_clear_400_from_the_generic_server(generic_server: FakeServerProcess, tmp_path: Path) -> None:
    write_articles(tmp_path / "in.jsonl", 1)
    _, records = _run(generic_server, tmp_path / "in.jsonl", "md_json")
    assert records[0].status == "failed" and records[0].error is not None
    assert "JSON Schema" in records[0].error.message


def test_fix_rounds_are_counted_per_record_and_in_the_totals(generic_server: FakeServerProcess, tmp_path: Path) -> None:
    write_articles(tmp_path / "in.jsonl", 12)
    result, records = _run(generic_server, tmp_path / "in.jsonl", fix_rounds=1)
    sent_back = [r for r in records if r.attempts.fix_rounds]
    assert sent_back and all(r.attempts.requests == 2 and r.attempts.fix_rounds == 1 for r in sent_back)
    assert all(r.attempts.requests == 1 for r in records if not r.attempts.fix_rounds)
    assert result.totals.fixed == len(sent_back)
    assert result.totals.fix_round_share == pytest.approx(len(sent_back) / len(records))
