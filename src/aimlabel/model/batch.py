"""The Batch API as a model adapter: each labelling pass is answered from batch output lines.

A batch run labels every article with the same `Labeler` as a live run, once per pass. Each
pass replays what the batches have answered so far, through the same instructor parsing, re-asks,
rule-check fix rounds and error wording as a live call; where an answer is still missing (the
first request, a re-ask, a fix round, a retry after a failed or expired request) the adapter
stops the article and hands back the exact body a live run would send at that point, for the
next batch. So a batch body equals a live request body, and a label is judged one way only.

An article's batch requests are its `Step`s: the body's hash and what came back. They are matched
by hash, in order, so a retried request (same body) takes the next answer for that body. Plain
answers are parsed by instructor's own parser without the HTTP client, their logprobs read as
replay's fast lane reads them (`OpenAIAdapter.measured_plain`); anything else (an invalid answer
that instructor re-asks, an error, a refusal, and every answer of `samples:K`) goes through the
real openai client over `BatchTransport`, which serves the stored answers, under the live path's
`ConfidenceTransport`: it takes the vote, and where a batch answered fewer than K choices, it asks
the same request again, which goes into the next batch as any missing answer does.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

import httpx2
from pydantic import BaseModel, ConfigDict, ValidationError

from aimlabel.core.hashing import canonical_json, sha256_text
from aimlabel.core.record import Attempts, ErrorInfo, Usage
from aimlabel.model.base import ModelAnswer, ModelSettings
from aimlabel.model.http import read_response, request_body
from aimlabel.model.openai import OpenAIAdapter, plain_exchange
from aimlabel.model.recording import Exchange, ReplayError

ENDPOINT: Final = "/v1/chat/completions"
PENDING = "batch_pending"
CANCELLED = "batch_cancelled"
# Line errors that mean "not run", not "run and failed": the request goes out again (a retry).
RETRIED_CODES = frozenset({"batch_expired", "request_timeout", "batch_missing"})
FINAL_CODES = {"batch_cancelled": CANCELLED, "batch_failed": "batch_failed"}
JSON_HEADERS = {"content-type": "application/json"}


@dataclass(frozen=True)
class Step:
    """One answered batch request of an article: the hash of the body sent, and what came back."""

    body_hash: str
    exchange: Exchange
    batch_id: str | None = None


@dataclass(frozen=True)
class PendingRequest:
    """The request an article needs next: its body as the JSONL line carries it, and its hash."""

    body_text: str
    body_hash: str


class BodyText:
    """`canonical_json` of request bodies, with the parts every request shares (the system prompt,
    the response schema) encoded once: a part that is the very object it was last time at the same
    place reuses its text. A test checks the result equals `canonical_json(body)`."""

    def __init__(self) -> None:
        self._last: dict[tuple[object, ...], tuple[object, str]] = {}

    def __call__(self, body: dict[str, Any]) -> str:
        parts = []
        for key in sorted(body):
            value = body[key]
            if key == "messages" and isinstance(value, list):
                text = "[" + ",".join(self._message(i, m) for i, m in enumerate(value)) + "]"
            else:
                text = self._same(("body", key), value)
            parts.append(f"{json.dumps(key, ensure_ascii=False)}:{text}")
        return "{" + ",".join(parts) + "}"

    def _message(self, index: int, message: Any) -> str:
        if not isinstance(message, dict):
            return canonical_json(message)
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{self._same(('message', index, k), message[k])}"
                              for k in sorted(message)) + "}"

    def _same(self, place: tuple[object, ...], value: Any) -> str:
        last = self._last.get(place)
        if last is not None and last[0] is value:
            return last[1]
        text = canonical_json(value)
        self._last[place] = (value, text)
        return text


def request_line(custom_id: str, body_text: str) -> str:
    """One line of a Batch API input file (`body_text`: the body as canonical JSON)."""
    return f'{{"custom_id":{json.dumps(custom_id, ensure_ascii=False)},"method":"POST","url":"{ENDPOINT}","body":{body_text}}}\n'


class _Response(BaseModel):
    model_config = ConfigDict(extra="allow")

    status_code: int = 200
    body: Any = None


class OutputLine(BaseModel):
    """One line of a batch output or error file (OpenAI's, or vLLM `run_batch`'s)."""

    model_config = ConfigDict(extra="allow")

    custom_id: str
    response: _Response | None = None
    error: Any = None

    @classmethod
    def parse(cls, text: str | bytes) -> OutputLine:
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            raise ValueError(f"not a batch output line: {exc.errors()[0]['msg']}") from None

    def usage(self) -> Usage:
        body = self.response.body if self.response is not None else None
        usage = body.get("usage") if isinstance(body, dict) else None
        if not isinstance(usage, dict):
            return Usage()
        return Usage(prompt_tokens=int(usage.get("prompt_tokens") or 0), completion_tokens=int(usage.get("completion_tokens") or 0),
                     total_tokens=int(usage.get("total_tokens") or 0))

    def exchange(self) -> Exchange:
        """What came back, as the HTTP exchange a live call would have seen (or a line error)."""
        message = _error_message(self.error)
        if self.response is not None and (self.response.body is not None or self.response.status_code != 200):
            status, body = self.response.status_code, self.response.body
            if status != 200 and not isinstance(body, dict):
                body = {"error": {"message": message or f"HTTP {status} from the batch"}}
            if status == 200 and not isinstance(body, dict):
                return Exchange(request=None, error="batch_error", response={"message": "the line's response has no JSON body"})
            return Exchange(request=None, status=status, headers=dict(JSON_HEADERS), response=body)
        code = self.error.get("code") if isinstance(self.error, dict) else None
        return Exchange(request=None, error=str(code or "batch_error"), response={"message": message or "no response and no error"})


def _error_message(error: Any) -> str | None:
    if isinstance(error, str):
        return error
    if isinstance(error, dict):
        nested = error.get("error")
        inner: dict[str, Any] = nested if isinstance(nested, dict) else error
        if inner.get("message"):
            return str(inner["message"])
    return None


def line_error(code: str, message: str) -> str:
    """An output line we write ourselves for a request the batch gave no line for."""
    return json.dumps({"custom_id": "", "response": None, "error": {"code": code, "message": message}})


class BatchAdapter:
    """A `ModelAdapter` over one article's batch answers; see the module docstring.

    `begin(steps)` before each article; after `Labeler.label` returns, `pending` holds the body
    the article needs next (its record is then not final), and `served` the exchanges it used,
    request bodies included, in order (what a recording of a live call holds).
    """

    def __init__(self, settings: ModelSettings, *, requests_allowed: bool = True, keep_exchanges: bool = False) -> None:
        self.settings = settings
        self.replay = False
        self.requests_allowed = requests_allowed
        self.keep_exchanges = keep_exchanges
        self.fast = 0
        self._client = OpenAIAdapter(settings, transport=BatchTransport(self), sleep=_no_sleep, fast_replay=False)
        self._steps: dict[str, deque[Step]] = {}
        self._last: tuple[list[dict[str, str]], str, str] | None = None
        self._body_text = BodyText()
        self.pending: PendingRequest | None = None
        self.served: list[Exchange] = []
        self.batch_id: str | None = None

    def begin(self, steps: Iterable[Step]) -> None:
        self._steps = {}
        for step in steps:
            self._steps.setdefault(step.body_hash, deque()).append(step)
        self.pending, self.served, self.batch_id, self._last = None, [], None, None

    def _body(self, messages: list[dict[str, str]], response_model: type[BaseModel]) -> tuple[str, str]:
        """The request body for `messages` as canonical JSON, and its hash (kept for the next call
        with the same list: the cache asks `has_answer` before `ask`)."""
        if self._last is not None and self._last[0] is messages:
            return self._last[1], self._last[2]
        text = self._body_text(self._client.request_body(messages, response_model))
        digest = sha256_text(text)
        self._last = (messages, text, digest)
        return text, digest

    def has_answer(self, messages: list[dict[str, str]], response_model: type[BaseModel]) -> bool:
        """Whether a batch answered the first request for `messages` (so no cache is asked)."""
        return bool(self._steps.get(self._body(messages, response_model)[1]))

    def replayable(self) -> bool:
        """Whether `served` replays to the same record: not when a cancelled or failed batch ended it
        (no model answered; a replay would see a dropped connection and ask again)."""
        return all(e.error is None or e.error in RETRIED_CODES for e in self.served)

    def take(self, body: Any) -> Exchange:
        """The next stored answer for a request the client sends (the full lane's transport)."""
        text = canonical_json(body)
        queue = self._steps.get(sha256_text(text))
        if not queue:
            raise self._missing(text)
        step = queue.popleft()
        self.batch_id = step.batch_id or self.batch_id
        if self.keep_exchanges:
            self.served.append(step.exchange.model_copy(update={"request": body}))
        return step.exchange

    def _missing(self, text: str) -> ReplayError:
        if not self.requests_allowed:
            return ReplayError(CANCELLED, "the run's batches were cancelled (aimlabel batch cancel) before this request was sent")
        self.pending = PendingRequest(text, sha256_text(text))
        return ReplayError(PENDING, "the answer to this request comes in the next batch")

    async def ask(self, key: str, messages: list[dict[str, str]], response_model: type[BaseModel]) -> ModelAnswer:
        text, digest = self._body(messages, response_model)
        queue = self._steps.get(digest)
        if not queue:
            error = self._missing(text)
            return _failed(ErrorInfo(type=error.kind, message=str(error)))
        step = queue[0]
        measured = self._client.measured_plain(step.exchange.response, response_model) if plain_exchange(step.exchange) else None
        if measured is not None:
            parsed, confidence = measured
            queue.popleft()
            self.fast += 1
            self.batch_id = step.batch_id or self.batch_id
            if self.keep_exchanges:
                self.served.append(step.exchange.model_copy(update={"request": json.loads(text)}))
            return ModelAnswer(label=parsed.label, error=None, usage=parsed.usage, attempts=Attempts(requests=1, answers=1),
                               latency_ms=0.0, model_served=parsed.model_served, recording_producer=None, batch_id=self.batch_id,
                               confidence=confidence)
        answer = await self._client.ask(key, messages, response_model)
        answer.latency_ms = 0.0
        answer.batch_id = self.batch_id
        return answer

    async def aclose(self) -> None:
        await self._client.aclose()


def _failed(error: ErrorInfo) -> ModelAnswer:
    return ModelAnswer(label=None, error=error, usage=Usage(), attempts=Attempts(), latency_ms=0.0, model_served=None,
                       recording_producer=None)


class BatchTransport(httpx2.AsyncBaseTransport):
    """Serve an article's stored batch answers to the openai client, as replay serves recordings.

    A line error that means the request never ran (expired, timed out) is a dropped connection
    here, so the client's transport retries send it again: into the next batch. A cancelled or
    failed batch is final, with the API's words.
    """

    def __init__(self, adapter: BatchAdapter) -> None:
        self.adapter = adapter

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        exchange = self.adapter.take(request_body(request))
        if exchange.error is not None:
            message = (exchange.response or {}).get("message", "") if isinstance(exchange.response, dict) else ""
            where = f"batch {self.adapter.batch_id}: " if self.adapter.batch_id else ""
            if exchange.error in RETRIED_CODES:
                raise httpx2.ReadError(f"{where}{exchange.error}: {message}", request=request)
            kind = FINAL_CODES.get(exchange.error, "batch_error")
            raise ReplayError(kind, f"{where}{exchange.error}: {message}")
        return read_response(exchange.status or 200, exchange.headers, json.dumps(exchange.response).encode(), request)


async def _no_sleep(_: float) -> None:
    """A retry goes out in the next batch: nothing to wait for here."""
