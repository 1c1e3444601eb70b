"""A call's first request sent without the openai client, its answer kept for the client if needed.

Most answers are plain: a 200 whose JSON instructor's parser takes as it is. For those the SDK's
request path (building the request, its option objects, the response object, instructor's retry
wrapper) is most of a live call's CPU, and none of it changes what is sent or what comes back.
So the adapter builds the body with instructor's own request handler, sends it through the same
transports (confidence, retries, the wire, recording) and parses the answer with instructor's
own parser, as replay's fast lane does. Only where instructor would not take the answer as it is
(a re-ask, a refusal, an error status, a cut-off answer) does the call go through the client:
its first request is then answered here with what already came back (`FirstAnswered`), so
nothing is sent twice, and retries and counts are not repeated.

The URL, headers and timeout come from the client's own first request of the run
(`RequestTemplate.of`), and that request's body is checked against instructor's handler's: if
they ever differ, the adapter stops using this lane for the run (`FirstAnswered.refused`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx2

from aimlabel.model.http import current_call_context, read_response, request_body

_RECOMPUTED = ("host", "content-length", "transfer-encoding")  # set again from each request's URL and body


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def encode_body(body: dict[str, Any]) -> bytes:
    """The JSON the client would send for `body` (httpx2's encoding of `json=`)."""
    return _json(body).encode()


_SHARED = "response_format"  # one object for every body of a run (`core.schema.response_format`)


@dataclass(frozen=True)
class RequestTemplate:
    """What every chat request of a run shares: method, URL, headers, timeout, and the order of the
    body's fields (so that a recording's requests read alike from either lane). Held in memory
    only, since the headers carry the API key."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    extensions: dict[str, Any]
    fields: tuple[str, ...]
    _encoded: dict[str, tuple[Any, str]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, request: httpx2.Request, body: dict[str, Any]) -> RequestTemplate:
        headers = tuple((k.lower(), v) for k, v in request.headers.multi_items() if k.lower() not in _RECOMPUTED)
        kept = {k: v for k, v in request.extensions.items() if k == "timeout"}
        return cls(request.method, str(request.url), headers, kept, tuple(body))

    def request(self, body: dict[str, Any]) -> httpx2.Request:
        content = self._encode({k: body[k] for k in self.fields if k in body} | body)
        headers = [*self.headers, ("content-length", str(len(content)))]
        return httpx2.Request(self.method, self.url, headers=headers, content=content, extensions=dict(self.extensions))

    def _encode(self, body: dict[str, Any]) -> bytes:
        """`encode_body(body)`, byte for byte, with the schema part encoded once per run, not per
        request (5 KB of JSON, some 80 us a request here). Kept by identity: the body holds the very
        object the last one did (the shared `response_format`), or it is encoded again."""
        parts = []
        for key, value in body.items():
            if key == _SHARED:
                kept = self._encoded.get(key)
                if kept is None or kept[0] is not value:
                    kept = self._encoded[key] = (value, _json(value))
                encoded = kept[1]
            else:
                encoded = _json(value)
            parts.append(f"{_json(key)}:{encoded}")
        return ("{" + ",".join(parts) + "}").encode()


@dataclass
class FirstRequest:
    """A call's first request body, and what sending it gave (a read response, or the error raised)."""

    body: dict[str, Any]
    response: httpx2.Response | None = None
    error: Exception | None = None

    @property
    def sent(self) -> bool:
        return self.response is not None or self.error is not None


class FirstAnswered(httpx2.AsyncBaseTransport):
    """The top of the client's transports: learns the run's `RequestTemplate` from the client's first
    request, and answers a call's first request with what the lane already received for it."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner
        self.template: RequestTemplate | None = None
        self.refused = False

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        call = current_call_context()
        first, call.first = call.first, None
        if first is None:
            return await self.inner.handle_async_request(request)
        sent = request_body(request)
        same = sent == first.body
        if not first.sent:
            if not same:
                self.refused = True  # the handler's body is not the client's: never guess, use the client
            elif self.template is None and not self.refused:
                self.template = RequestTemplate.of(request, sent)
            return await self.inner.handle_async_request(request)
        if not same:
            self.refused = True
            return await self.inner.handle_async_request(request)
        if first.error is not None:
            raise first.error
        assert first.response is not None
        answer = first.response
        return read_response(answer.status_code, answer.headers.multi_items(), answer.content, request,
                             answer.elapsed.total_seconds() * 1000)

    async def aclose(self) -> None:
        await self.inner.aclose()
