"""Shared test helpers: a labeler over a scripted model at the HTTP edge (no network)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from aimlabel.core.articles import Article, InputItem
from aimlabel.core.prompt import default_prompt
from aimlabel.core.record import LabelRecord
from aimlabel.core.resources import examples_dir
from aimlabel.core.schema import label_model
from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.model.base import ModelSettings, RetryPolicy
from aimlabel.model.openai import OpenAIAdapter
from aimlabel.model.recording import RecordingReader, RecordingWriter
from aimlabel.rules import RuleConfig
from aimlabel.run.pipeline import Labeler, RunTotals, label_items
from aimlabel.testing.fakes import ScriptedModel, chat_completion

SECRET = "sk-test-SECRET-0123456789abcdef"


def example_answers() -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in (examples_dir() / "fixture_answers.jsonl").read_text().splitlines()]
    return {r["id"]: r["label"] for r in rows}


def example_articles() -> list[Article]:
    return [Article.model_validate_json(line) for line in (examples_dir() / "articles.jsonl").read_text().splitlines()]


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own run store; nothing touches the user's data directory."""
    path = tmp_path_factory.mktemp("store") / "runs.sqlite"
    monkeypatch.setenv("AIMLABEL_STORE", str(path))
    return path


def write_articles(path: Path, n: int) -> list[str]:
    """`n` short distinct articles a000, a001, ... as JSONL; returns their ids."""
    ids = [f"a{i:03d}" for i in range(n)]
    with path.open("w", encoding="utf-8") as fh:
        for i, art_id in enumerate(ids):
            text = f"Article {i} reports that system {i * 7 % 13} misfired in town {i}. A second sentence follows."
            fh.write(json.dumps({"id": art_id, "title": f"Story {i}", "text": text}) + "\n")
    return ids


def check_article(article_id: str) -> Article:
    """An article of tests/data/check/articles.jsonl by id (realistic text for the rule tests)."""
    for line in (Path(__file__).parent / "data" / "check" / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        if raw["id"] == article_id:
            return Article.model_validate(raw)
    raise KeyError(article_id)


@pytest.fixture
def answers() -> dict[str, dict[str, Any]]:
    return example_answers()


@dataclass
class Harness:
    """Run articles through the real adapter and pipeline against a `ScriptedModel`."""

    fake: ScriptedModel = field(default_factory=ScriptedModel)
    sleeps: list[float] = field(default_factory=list)
    records: list[LabelRecord] = field(default_factory=list)
    adapter: OpenAIAdapter | None = None

    def run(self, items: Iterable[InputItem | Article], *, record: Path | None = None, replay: Path | None = None,
            concurrency: int = 1, rules: RuleConfig | None = None, fix_rounds: int = 1, fast_replay: bool = True,
            **settings: Any) -> RunTotals:
        async def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        params: dict[str, Any] = dict(model="test-model", base_url="http://fake.invalid/v1", api_key=SECRET,
                                      retry=RetryPolicy(max_retries=3))
        params.update(settings)
        norm = [(i + 1, it) if isinstance(it, Article) else it for i, it in enumerate(items)]

        async def go() -> RunTotals:
            adapter = OpenAIAdapter(
                ModelSettings(**params),
                transport=None if replay else self.fake.transport(),
                record_to=RecordingWriter(record) if record else None,
                replay_from=RecordingReader(replay) if replay else None,
                sleep=sleep,
                fast_replay=fast_replay,
            )
            self.adapter = adapter
            tax = default_taxonomy()
            labeler = Labeler(adapter, default_prompt(), label_model(), tax, rules=rules, fix_rounds=fix_rounds)
            try:
                return await label_items(norm, labeler, self.records.append, source="test", concurrency=concurrency)
            finally:
                await adapter.aclose()

        return asyncio.run(go())


@pytest.fixture
def harness() -> Harness:
    return Harness()


def ok_reply(label: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return chat_completion(label, **kw)
