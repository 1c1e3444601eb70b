"""The fake server's Files and Batches endpoints, checked against the openai SDK's own types and
client: every object is a valid `openai.types.FileObject` / `Batch` with no field the type lacks,
and each documented path (completed, failed, expired, cancelled, partial failures, a download cut
off) behaves as the API describes it."""

from __future__ import annotations

import http.client
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from openai.types import Batch, FileObject

from aimlabel.model.base import ModelSettings, RetryPolicy
from aimlabel.model.batch_api import BatchApi
from aimlabel.testing.fakeserver import FakeServerProcess, start_fake_server


def _lines(n: int, dup: bool = False) -> bytes:
    rows = []
    for i in range(n):
        body = {"model": "fake", "messages": [{"role": "user", "content": f"<<<ARTICLE c>>>\nTitle: t{i}\n\nBody {i}.\n<<<END ARTICLE c>>>"}],
                "response_format": {"type": "json_schema"}}
        rows.append({"custom_id": "same" if dup else f"r{i}", "method": "POST", "url": "/v1/chat/completions", "body": body})
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def _get(server: FakeServerProcess, path: str) -> Any:
    with urllib.request.urlopen(server.base_url + path, timeout=10) as response:
        return json.loads(response.read())


def _assert_type(data: dict[str, Any], model: type[Batch] | type[FileObject]) -> None:
    model.model_validate(data)
    assert set(data) <= set(model.model_fields), set(data) - set(model.model_fields)


_clients: list[openai.OpenAI] = []


def _client(server: FakeServerProcess) -> openai.OpenAI:
    client = openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=0)
    _clients.append(client)
    return client


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _clients:
        _clients.pop().close()


def _batch(server: FakeServerProcess, data: bytes) -> tuple[openai.OpenAI, Batch]:
    client = _client(server)
    uploaded = client.files.create(file=("in.jsonl", data, "application/jsonl"), purpose="batch")
    _assert_type(_get(server, f"/files/{uploaded.id}"), FileObject)
    return client, client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h",
                                         metadata={"run": "t"})


def _poll(client: openai.OpenAI, server: FakeServerProcess, batch_id: str) -> list[str]:
    seen = []
    while True:
        raw = _get(server, f"/batches/{batch_id}")
        _assert_type(raw, Batch)
        seen.append(raw["status"])
        if raw["status"] in ("completed", "failed", "expired", "cancelled"):
            return seen


def _content(client: openai.OpenAI, file_id: str | None) -> list[dict[str, Any]]:
    if file_id is None:
        return []
    return [json.loads(line) for line in client.files.content(file_id).text.splitlines()]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServerProcess]:
    with start_fake_server(max_seconds=120, batch_expire="3", batch_fail="4", rate_500=0.25, seed=5) as running:
        yield running


def test_a_batch_walks_validating_in_progress_finalizing_completed(server: FakeServerProcess) -> None:
    client, batch = _batch(server, _lines(8))
    assert batch.status == "validating" and batch.completion_window == "24h" and batch.metadata == {"run": "t"}
    assert _poll(client, server, batch.id) == ["in_progress", "finalizing", "completed"]
    done = client.batches.retrieve(batch.id)
    out, err = _content(client, done.output_file_id), _content(client, done.error_file_id)
    assert done.request_counts is not None and done.request_counts.total == 8
    assert (len(out), len(err)) == (done.request_counts.completed, done.request_counts.failed)
    assert sorted(line["custom_id"] for line in out + err) == [f"r{i}" for i in range(8)]
    assert all(line["response"]["status_code"] == 200 and line["response"]["body"]["object"] == "chat.completion" for line in out)
    assert err and all(line["response"]["status_code"] == 500 for line in err), "partial failures go to the error file"
    for file_id in (done.output_file_id, done.error_file_id):
        _assert_type(_get(server, f"/files/{file_id}"), FileObject)


def test_a_file_that_breaks_the_rules_fails_validation_with_its_line(server: FakeServerProcess) -> None:
    client, batch = _batch(server, _lines(3, dup=True))
    assert _poll(client, server, batch.id) == ["failed"]
    failed = client.batches.retrieve(batch.id)
    assert failed.errors is not None and failed.errors.data
    assert [(e.code, e.line) for e in failed.errors.data] == [("duplicate_custom_id", 2), ("duplicate_custom_id", 3)]
    assert failed.output_file_id is None and failed.error_file_id is None


def test_an_expired_batch_returns_what_ran_and_batch_expired_for_the_rest(server: FakeServerProcess) -> None:
    client, batch = _batch(server, _lines(10))  # the third batch this server makes: --batch-expire 3
    assert _poll(client, server, batch.id)[-1] == "expired"
    expired = client.batches.retrieve(batch.id)
    out, err = _content(client, expired.output_file_id), _content(client, expired.error_file_id)
    late = [line for line in err if line["error"] and line["error"]["code"] == "batch_expired"]
    assert [line["custom_id"] for line in late] == [f"r{i}" for i in range(5, 10)]
    assert len(out) + len(err) == 10


def test_a_batch_named_to_fail_fails(server: FakeServerProcess) -> None:
    client, batch = _batch(server, _lines(2))  # the fourth: --batch-fail 4
    assert _poll(client, server, batch.id) == ["failed"]


def test_cancel_goes_through_cancelling_to_cancelled(server: FakeServerProcess) -> None:
    client, batch = _batch(server, _lines(6))
    cancelling = client.batches.cancel(batch.id)
    assert cancelling.status == "cancelling"
    assert _poll(client, server, batch.id) == ["cancelled"]
    cancelled = client.batches.retrieve(batch.id)
    err = _content(client, cancelled.error_file_id)
    assert [line["custom_id"] for line in err if line["error"] and line["error"]["code"] == "batch_cancelled"] == ["r3", "r4", "r5"]
    with pytest.raises(openai.ConflictError):
        client.batches.cancel(batch.id)


def test_lists_page_with_the_sdk_cursor(server: FakeServerProcess) -> None:
    client = _client(server)
    made = {client.batches.create(input_file_id=client.files.create(file=("x.jsonl", _lines(1)), purpose="batch").id,
                                  endpoint="/v1/chat/completions", completion_window="24h").id for _ in range(3)}
    listed = [b.id for b in client.batches.list(limit=2)]
    assert made <= set(listed) and len(listed) == len(set(listed))
    for raw in _get(server, "/batches?limit=100")["data"]:
        _assert_type(raw, Batch)
    assert len({f.id for f in client.files.list(purpose="batch")}) == len(_get(server, "/files?purpose=batch&limit=1000")["data"])


def test_bad_requests_get_the_api_errors(server: FakeServerProcess) -> None:
    client = _client(server)
    with pytest.raises(openai.BadRequestError):
        client.batches.create(input_file_id="file-nope", endpoint="/v1/chat/completions", completion_window="24h")
    with pytest.raises(openai.NotFoundError):
        client.batches.retrieve("batch_nope")


def test_a_download_cut_off_half_way_is_fetched_again_whole(tmp_path: Path) -> None:
    with start_fake_server(max_seconds=60, batch_drop_downloads=1) as server:
        client, batch = _batch(server, _lines(40))
        _poll(client, server, batch.id)
        file_id = client.batches.retrieve(batch.id).output_file_id
        assert file_id is not None
        with urllib.request.urlopen(f"{server.base_url}/files/{file_id}/content", timeout=10) as response, \
                pytest.raises(http.client.IncompleteRead):  # the first download drops the connection half way
            response.read()
        full = client.files.content(file_id).content
        api = BatchApi(ModelSettings(model="fake", base_url=server.base_url, api_key="test", retry=RetryPolicy(max_retries=2, base_wait=0.01)))
        assert api.download(file_id, tmp_path / "out.jsonl") == len(full)
        assert (tmp_path / "out.jsonl").read_bytes() == full
        api.close()
        assert server.stats()["batch"]["dropped_downloads"] == 1
