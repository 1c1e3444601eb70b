"""Shared test helpers: a labeler over a scripted model at the HTTP edge (no network), and a real
headless Chromium for the HTML pages (`driver`: skipped when Chromium, chromedriver or selenium is
missing, except on CI, CI=true, where that is a failure: CI installs them, apt chromium
chromium-driver, pip selenium)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator
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
    """Every test gets its own run store and cache; nothing touches the user's data or cache directory."""
    path = tmp_path_factory.mktemp("store") / "runs.sqlite"
    monkeypatch.setenv("AIMLABEL_STORE", str(path))
    monkeypatch.setenv("AIMLABEL_CACHE", str(path.parent / "cache"))
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
    opened: Any = None  # what `open_adapter` gave, when the run went through it (`head_start` given)

    def run(self, items: Iterable[InputItem | Article], *, record: Path | None = None, replay: Path | None = None,
            concurrency: int = 1, rules: RuleConfig | None = None, fix_rounds: int = 1, fast_replay: bool = True,
            fast_live: bool = True, head_start: bool | None = None, **settings: Any) -> RunTotals:
        async def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        params: dict[str, Any] = dict(model="test-model", base_url="http://fake.invalid/v1", api_key=SECRET,
                                      retry=RetryPolicy(max_retries=3))
        params.update(settings)
        norm = [(i + 1, it) if isinstance(it, Article) else it for i, it in enumerate(items)]

        async def go() -> RunTotals:
            adapter: Any
            if head_start is not None:
                from aimlabel.model.factory import open_adapter

                adapter = self.opened = open_adapter(ModelSettings(**params), transport=self.fake.transport(),
                                                     record_to=RecordingWriter(record) if record else None, sleep=sleep,
                                                     head_start=head_start)
            else:
                adapter = self.adapter = OpenAIAdapter(
                    ModelSettings(**params),
                    transport=None if replay else self.fake.transport(),
                    record_to=RecordingWriter(record) if record else None,
                    replay_from=RecordingReader(replay) if replay else None,
                    sleep=sleep,
                    fast_replay=fast_replay,
                    fast_live=fast_live,
                )
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


def timeless(value: Any) -> Any:
    """`value` with its measured times zeroed: the one thing two runs of the same exchanges differ in."""
    if isinstance(value, dict):
        return {k: 0 if k in ("latency_ms", "elapsed_ms") else timeless(v) for k, v in value.items()}
    if isinstance(value, list):
        return [timeless(v) for v in value]
    return value


def ok_reply(label: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return chat_completion(label, **kw)


CHROMIUM = os.environ.get("AIMLABEL_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("AIMLABEL_CHROMEDRIVER", "/usr/bin/chromedriver")


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).is_file() or shutil.which(path)):
            return f"{path} not found (apt-get install chromium chromium-driver)"
    return None


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser test cannot run on CI: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tmp_path_factory.mktemp("chromium-profile")
    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,1000"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    browser.downloads = downloads  # type: ignore[attr-defined]
    try:
        yield browser
    finally:
        browser.quit()


def in_private_mount(setup: str, script: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the sh `script` after the sh `setup` (mounts), in a mount namespace of its own (`unshare`).

    Real mounts (read-only, a tiny tmpfs) are how a test meets EROFS and ENOSPC, since file modes
    mean nothing to root; where namespaces are not allowed the test is skipped, saying why.
    """
    unshare = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-rm"]
    try:
        probe = subprocess.run([*unshare, "sh", "-c", setup], capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        pytest.skip("no unshare here")
    if probe.returncode != 0:
        pytest.skip(f"no private mount here ({probe.stderr.strip() or 'unshare refused'})")
    return subprocess.run([*unshare, "sh", "-c", f"{setup} && {script}"], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def items_stored(store: Path) -> int:
    """Items a run store holds so far, read without disturbing the process writing it (0 if none yet)."""
    import sqlite3

    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT COUNT(*) FROM items").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
