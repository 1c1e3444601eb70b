"""First requests sent from a stored template while the SDK loads (`model.head_start`): the same
records, recordings and requests as without; a stale template is caught, set aside and deleted;
the stored template holds no key and no endpoint."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from aimlabel.core.articles import Article
from aimlabel.model.head_start import HeadStart, default_templates
from aimlabel.rules import RuleConfig
from aimlabel.testing.fakes import Reply, article_title
from conftest import SECRET, Harness, example_answers, example_articles, ok_reply, timeless

MODES = ("json_schema", "tools", "md_json")
BASE_URL = "http://fake.invalid/v1"


def _articles() -> list[Article]:
    first = example_articles()[:5]
    return first + [a.model_copy(update={"id": f"{a.id}-again"}) for a in first]


def _answering(h: Harness, mode: str) -> Harness:
    """Every request answered by its article's title, however many come (a set-aside one included)."""
    found = example_answers()
    by_title = {a.title: found[a.key] for a in example_articles()[:5]}

    def answer(body: dict[str, Any]) -> Reply:
        title = article_title(body)
        return Reply(200, ok_reply(by_title[title], model="gpt-x", mode=mode)) if title in by_title else Reply(
            500, {"error": {"message": f"no answer for {title!r}"}})

    h.fake.answer_for = answer
    return h


def _run(tmp_path: Path, name: str, mode: str, head_start: bool, **settings: Any) -> tuple[Harness, list[Any], dict[str, Any]]:
    h = _answering(Harness(), mode)
    rec = tmp_path / name
    h.run(_articles(), record=rec, model="gpt-x", mode=mode, rules=RuleConfig(), concurrency=4, head_start=head_start,
          base_url=BASE_URL, **settings)
    records = [timeless(json.loads(r.to_json())) for r in h.records]
    recording = {p.name: timeless(json.loads(p.read_text(encoding="utf-8"))) for p in (rec / "items").glob("*.json")}
    return h, records, recording


def _sent(bodies: list[dict[str, Any]]) -> list[str]:
    """The request bodies as a sorted list: with calls in flight together, their order varies."""
    return sorted(json.dumps(body, sort_keys=True) for body in bodies)


def _stored() -> list[Path]:
    return sorted((Path(os.environ["AIMLABEL_CACHE"]) / "requests").glob("*.json"))


@pytest.mark.parametrize("mode", MODES)
def test_a_later_run_starts_from_the_template_and_labels_alike(tmp_path: Path, mode: str) -> None:
    plain, plain_records, plain_recording = _run(tmp_path, "plain", mode, head_start=False)
    assert _stored() == [], "without a head start nothing is stored"
    first, first_records, first_recording = _run(tmp_path, "first", mode, head_start=True)
    assert isinstance(first.opened, HeadStart) and first.opened.early == 0
    assert len(_stored()) == 1, "the first run stores its template"
    later, later_records, later_recording = _run(tmp_path, "later", mode, head_start=True)
    assert isinstance(later.opened, HeadStart) and later.opened.early >= 1, "the later run sends from the template"
    assert plain_records == first_records == later_records
    assert plain_recording == first_recording == later_recording
    assert _sent(plain.fake.requests) == _sent(first.fake.requests) == _sent(later.fake.requests), (
        "none sent twice, none changed")
    assert {k: v for k, v in later.fake.request_headers[0].items() if k != "content-length"} == {
        k: v for k, v in plain.fake.request_headers[0].items() if k != "content-length"}
    assert len(_stored()) == 1


def test_the_stored_template_holds_no_key_and_no_endpoint(tmp_path: Path) -> None:
    _run(tmp_path, "first", "json_schema", head_start=True)
    (path,) = _stored()
    text = path.read_text(encoding="utf-8")
    assert SECRET not in text and "fake.invalid" not in text
    assert json.loads(text)["url_suffix"] == "/chat/completions"


def test_a_stale_template_is_set_aside_and_deleted(tmp_path: Path) -> None:
    plain, plain_records, _ = _run(tmp_path, "plain", "json_schema", head_start=False)
    _run(tmp_path, "first", "json_schema", head_start=True)
    (path,) = _stored()
    stored = json.loads(path.read_text(encoding="utf-8"))
    stored["body"]["seed"] = 7  # as if the SDK had changed what it sends
    path.write_text(json.dumps(stored), encoding="utf-8")
    later, later_records, _ = _run(tmp_path, "later", "json_schema", head_start=True)
    assert isinstance(later.opened, HeadStart) and later.opened.early >= 1
    assert later_records == plain_records, "the answers to the stale requests were set aside"
    stale = [body for body in later.fake.requests if "seed" in body]
    assert len(stale) == later.opened.early
    assert _sent([body for body in later.fake.requests if "seed" not in body]) == _sent(plain.fake.requests)
    assert _stored() == [] or json.loads(_stored()[0].read_text(encoding="utf-8"))["body"].get("seed") is None


def test_another_setup_does_not_use_the_template(tmp_path: Path) -> None:
    _run(tmp_path, "first", "json_schema", head_start=True)
    other, _, _ = _run(tmp_path, "other", "json_schema", head_start=True, temperature=0.5)
    assert isinstance(other.opened, HeadStart) and other.opened.early == 0
    assert len(_stored()) == 2


def test_an_unwritable_cache_only_means_no_head_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("AIMLABEL_CACHE", str(blocker))
    assert default_templates().folder == blocker / "requests"
    h, records, _ = _run(tmp_path, "first", "json_schema", head_start=True)
    assert [r["status"] for r in records] and all(r["status"] != "failed" for r in records)
