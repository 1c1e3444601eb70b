"""Argilla with its own SDK (2.8.0, a test dependency) and argilla-server 2.8.0's published schemas.

The server needs a search engine we cannot run here, so: our settings and records are loaded by
the SDK's own `Settings.from_json` and `Record.from_dict`; the payloads the SDK would send for
them are validated against the server's JSON Schemas (tests/data/annotators/argilla); and the
two-reviewer scenario is answered with `rg.Response` and exported by the SDK's own flattening
code (what `records.to_list(flatten=True)` calls), then imported. The SDK's client talks to an
httpx mock transport that answers only `/api/v1/me`: no network.

Skips when argilla is not installed, except on CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import json
import os
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aimlabel.cli import app

DATA = Path(__file__).resolve().parents[1] / "data" / "annotators"
SCHEMAS = DATA / "argilla" / "server-schemas"
ARTICLES = Path(__file__).resolve().parents[2] / "src" / "aimlabel" / "examples" / "articles.jsonl"
runner = CliRunner()
USER_A, USER_B = uuid.UUID(int=0xA), uuid.UUID(int=0xB)


@pytest.fixture(scope="module")
def rg() -> Iterator[Any]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the SDK still uses pydantic's class-based config
            import argilla
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("argilla is not installed on CI (pip install -e '.[test]')")
        pytest.skip("argilla is not installed (pip install -e '.[test]')")
    yield argilla


@pytest.fixture()
def dataset(rg: Any, tmp_path: Path) -> tuple[Any, list[dict[str, Any]]]:
    httpx = pytest.importorskip("httpx")  # Argilla's own SDK client is built on it; aimlabel uses only httpx2

    records, settings = tmp_path / "records.json", tmp_path / "settings.json"
    result = runner.invoke(app, ["export-argilla", str(DATA / "labels.jsonl"), "--articles", str(ARTICLES),
                                 "-o", str(records), "--settings", str(settings)])
    assert result.exit_code == 0, result.stderr
    me = {"id": str(uuid.UUID(int=1)), "first_name": "t", "last_name": None, "username": "t", "role": "owner",
          "api_key": "k", "inserted_at": "2025-01-01T00:00:00", "updated_at": "2025-01-01T00:00:00"}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/me":
            return httpx.Response(200, json=me)
        raise AssertionError(f"unexpected request {request.method} {request.url}")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client = rg.Argilla(api_url="http://127.0.0.1:9", api_key="test-key", mounts={"all://": httpx.MockTransport(answer)})
        loaded = rg.Settings.from_json(str(settings))
    for question in loaded.questions:
        question._model.id = uuid.uuid5(uuid.NAMESPACE_URL, question.name)  # as the server assigns on create
    return rg.Dataset(name="aim-review", settings=loaded, client=client), json.loads(records.read_text())


def _validate(name: str, payload: dict[str, Any]) -> None:
    import jsonschema

    jsonschema.validate(payload, json.loads((SCHEMAS / f"{name}.schema.json").read_text()))


def test_settings_and_records_load_in_the_sdk_and_fit_the_server_schemas(rg: Any, dataset: tuple[Any, list[dict[str, Any]]]) -> None:
    ds, raw = dataset
    questions = {q.name: q for q in ds.settings.questions}
    assert questions["classification"].required
    assert questions["ai_principles"].labels[0] == "none" and questions["autonomy_level"].labels[0] == "none"
    now = "2025-01-01T00:00:00"
    for question in ds.settings.questions:
        payload = question.api_model().model_dump(mode="json")
        _validate("Question", {**payload, "id": str(question.id), "dataset_id": str(uuid.UUID(int=2)),
                               "inserted_at": now, "updated_at": now})
    for entry in raw:
        record = rg.Record.from_dict(entry, dataset=ds)
        assert record.id == entry["id"] and record.suggestions["classification"].value == entry["suggestions"]["classification"]["value"]
        _validate("RecordCreate", record.api_model().model_dump(mode="json"))


def test_two_reviewers_through_the_sdk_export_into_gold(rg: Any, dataset: tuple[Any, list[dict[str, Any]]], tmp_path: Path) -> None:
    from argilla.records._io import GenericIO

    ds, raw = dataset
    records = {entry["id"]: rg.Record.from_dict(entry, dataset=ds) for entry in raw}

    def respond(record_id: str, user: uuid.UUID, status: str, **values: Any) -> None:
        for question, value in values.items():
            records[record_id].responses.add(rg.Response(question, value, user_id=user, status=status))

    respond("ex-001", USER_A, "submitted", classification="AI Incident")
    respond("ex-001", USER_B, "submitted", classification="AI Hazard", note="no loss yet", ai_principles=["none"])
    respond("ex-002", USER_A, "draft", classification="AI Hazard")
    respond("ex-003", USER_B, "discarded", classification="Complementary Information")
    respond("ex-003", USER_A, "submitted", classification="Complementary Information")
    schema_of = {"submitted": "UserSubmittedResponseCreate", "draft": "UserDraftResponseCreate", "discarded": "UserDiscardedResponseCreate"}
    sent = [m.model_dump(mode="json") for record in records.values() for m in record.responses.api_models()]
    assert sorted(p["status"] for p in sent) == ["discarded", "draft", "submitted", "submitted", "submitted"]
    for payload in sent:
        _validate(schema_of[payload["status"]], payload)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        flat = GenericIO.to_list(list(records.values()), flatten=True)
    export = tmp_path / "answered.json"
    export.write_text(json.dumps(flat, default=str))
    gold = tmp_path / "gold.jsonl"
    result = runner.invoke(app, ["import-argilla", str(export), "--gold", str(gold)])
    assert result.exit_code == 1, result.stderr
    a, b = f"argilla:{USER_A}", f"argilla:{USER_B}"
    assert f"conflict: ex-001: new article, {a} says 'AI Incident', {b} says 'AI Hazard'" in result.stderr
    assert f"ex-002: a draft by {a} was never submitted" in result.stderr and f"ex-003: {b} discarded the record" in result.stderr
    rows = {json.loads(line)["id"]: json.loads(line) for line in gold.read_text().splitlines()}
    assert set(rows) == {"ex-003"} and [r["reviewer"] for r in rows["ex-003"]["reviews"]] == [a]

    adjudicated = runner.invoke(app, ["import-argilla", str(export), "--gold", str(gold), "--adjudicator", b])
    assert adjudicated.exit_code == 0, adjudicated.stderr
    ex1 = {json.loads(line)["id"]: json.loads(line) for line in gold.read_text().splitlines()}["ex-001"]
    assert ex1["gold"]["classification"] == "AI Hazard" and ex1["gold"]["taxonomy"]["ai_principles"] == {"values": []}
    assert [r["reviewer"] for r in ex1["reviews"]] == [a, b] and ex1["adjudication"]["decided_by"] == f"adjudicator {b}"
