"""Replay at the HTTP layer: recorded exchanges served, in order, to the openai client.

A replayed exchange goes through the same openai client, instructor parsing and re-asks as a
live one; only the bytes come from disk, and each request must equal the recorded one.
"""

from __future__ import annotations

import json

import httpx2

from aimlabel.model.errors import ResponseTooLarge
from aimlabel.model.http import current_call_context, read_response, request_body
from aimlabel.model.recording import RecordingReader, ReplayError

_ERRORS_BY_NAME: dict[str, type[httpx2.TransportError]] = {
    cls.__name__: cls
    for cls in (httpx2.ReadTimeout, httpx2.WriteTimeout, httpx2.ConnectTimeout, httpx2.PoolTimeout,
                httpx2.ConnectError, httpx2.ReadError, httpx2.WriteError, httpx2.RemoteProtocolError)
}


class ReplayTransport(httpx2.AsyncBaseTransport):
    """Serve recorded exchanges, in order, for the article named by the call context."""

    def __init__(self, reader: RecordingReader) -> None:
        self.reader = reader

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        call = current_call_context()
        index, exchange, recording = self.reader.next_exchange(call.item_key)
        call.producer = recording.producer
        sent = request_body(request)
        if sent != exchange.request:
            differing = sorted(
                k for k in set(sent or {}) | set(exchange.request or {})
                if (sent or {}).get(k) != (exchange.request or {}).get(k)
            ) if isinstance(sent, dict) and isinstance(exchange.request, dict) else ["body"]
            raise ReplayError(
                "replay_mismatch",
                f"request {index + 1} for article {call.item_key!r} differs from the recording in "
                f"{', '.join(differing)}; the prompt, schema, model or article changed since it was "
                f"recorded: record it again",
            )
        call.elapsed_ms += exchange.elapsed_ms
        if exchange.error == ResponseTooLarge.__name__:
            raise ResponseTooLarge(None)
        if exchange.error:
            raise _ERRORS_BY_NAME.get(exchange.error, httpx2.ReadError)(f"recorded {exchange.error}", request=request)
        if isinstance(exchange.response, (dict, list)):
            content = json.dumps(exchange.response).encode()
        else:
            content = str(exchange.response or "").encode()
        return read_response(exchange.status or 200, exchange.headers, content, request, exchange.elapsed_ms)
