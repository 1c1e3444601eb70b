"""`read_response` builds a response already read: to the client it must be what a read
`httpx2.Response(content=...)` is, down to its headers, body, state and elapsed time."""

from __future__ import annotations

import asyncio
import datetime

import httpx2

from aimlabel.model.http import read_response, replace_body, with_content

REQUEST = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions", content=b"{}")
BODY = '{"choices": [{"message": {"content": "é"}}]}'.encode()


def _chunks(response: httpx2.Response) -> list[bytes]:
    async def read() -> list[bytes]:
        return [chunk async for chunk in response.aiter_bytes()]
    return asyncio.run(read())


def test_a_read_response_is_what_a_read_content_response_is() -> None:
    built = read_response(200, {"content-type": "application/json", "content-length": "999"}, BODY, REQUEST, 12.5)
    reference = httpx2.Response(200, headers={"content-type": "application/json"}, content=BODY, request=REQUEST)
    assert built.headers == reference.headers and built.headers["content-length"] == str(len(BODY))
    assert built.content == reference.content and built.text == reference.text and built.json() == reference.json()
    assert asyncio.run(built.aread()) == BODY and built.read() == BODY
    assert _chunks(built) == [BODY]
    assert (built.is_closed, built.is_stream_consumed) == (True, True)
    assert built.elapsed == datetime.timedelta(milliseconds=12.5)
    assert built.request is REQUEST and built.status_code == 200


def test_a_rewritten_body_drops_the_wire_length_and_encoding() -> None:
    wire = httpx2.Response(200, headers=[("content-type", "application/json"), ("content-encoding", "gzip"),
                                         ("content-length", "5"), ("x-request-id", "r1"), ("x-request-id", "r2")],
                           stream=httpx2.ByteStream(b"zzzzz"), request=REQUEST)
    rewritten = with_content(wire, BODY, REQUEST, 3.0)
    assert "content-encoding" not in rewritten.headers
    assert rewritten.headers["content-length"] == str(len(BODY))
    assert rewritten.headers.get_list("x-request-id") == ["r1", "r2"]
    assert rewritten.json() == {"choices": [{"message": {"content": "é"}}]}


def test_a_replaced_body_is_read_as_the_new_one_with_its_length_and_the_old_elapsed_time() -> None:
    built = read_response(200, [("content-type", "application/json"), ("x-request-id", "r1")], b'{"long": "' + b"x" * 500 + b'"}',
                          REQUEST, 7.0)
    replaced = replace_body(built, BODY)
    assert replaced.headers["content-length"] == str(len(BODY)) and replaced.headers["x-request-id"] == "r1"
    assert replaced.content == BODY and replaced.json() == {"choices": [{"message": {"content": "é"}}]}
    assert asyncio.run(replaced.aread()) == BODY and _chunks(replaced) == [BODY]
    assert replaced.elapsed == datetime.timedelta(milliseconds=7.0)
