"""A run's request template encodes the shared schema part once, and every body still goes out
byte for byte as the client would send it (httpx2's `json=` encoding, `encode_body`)."""

from __future__ import annotations

from typing import Any

import httpx2

from aimlabel.core.schema import label_model, response_format
from aimlabel.model.first_request import RequestTemplate, encode_body


def _template() -> RequestTemplate:
    request = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions", json={})
    return RequestTemplate.of(request, {"model": "m", "messages": [], "response_format": {}, "temperature": 0})


def _body(text: str, schema: Any) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}], "model": "m", "response_format": schema,
            "temperature": 0}


def test_bodies_are_the_clients_bytes_with_the_schema_kept_or_changed() -> None:
    template = _template()
    shared = response_format(label_model())
    other = {"type": "json_schema", "json_schema": {"name": "Other", "schema": {"enum": ["é", "\u2028", "😀"]}}}
    texts = ["plain", "Ünïcode “quotes” \\ back\nslash \u2028 \x00 😀", ""]
    for schema in (shared, shared, other, shared, {**shared}):
        for text in texts:
            body = _body(text, schema)
            sent = template.request(body)
            ordered = {k: body[k] for k in template.fields if k in body} | body
            assert sent.content == encode_body(ordered)
            assert sent.headers["content-length"] == str(len(sent.content))


def test_another_schema_object_is_encoded_afresh() -> None:
    template = _template()
    first = {"type": "json_schema", "json_schema": {"name": "A"}}
    template.request(_body("x", first))
    second = {"type": "json_schema", "json_schema": {"name": "B"}}
    assert b'"name":"B"' in template.request(_body("x", second)).content
