"""Generic answers: a schema-valid instance built from the JSON Schema in the request alone.

This is how an independent schema-following server answers (guided decoding with no idea what
the fields mean): it reads the schema the client sent (`response_format` or the tool's
parameters), and fills it by type. It knows none of AIM's classes, fields or rules, so a
benchmark against it measures the client, not a fake tuned to our rule check.

Filling, by JSON Schema keyword, the same way for any schema:
- `enum` / `const`: the value picked by the article's digest (so a run sees every value);
- `anyOf` / `oneOf`: the first branch that is not `null` (every optional field is filled);
- `string`: one sentence copied from the article in the request (a word-for-word quote);
- `array`: `minItems` items (at least one);
- `object`: every property;
- `integer` / `number`: the minimum, else 0; `boolean`: false.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
MAX_DEPTH = 32


def request_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON Schema the request asks the answer to follow, or None (an md_json request)."""
    tools = body.get("tools")
    if isinstance(tools, list) and tools and isinstance(tools[0], dict):
        params = tools[0].get("function", {}).get("parameters")
        return params if isinstance(params, dict) else None
    fmt = body.get("response_format")
    if isinstance(fmt, dict):
        schema = (fmt.get("json_schema") or {}).get("schema")
        return schema if isinstance(schema, dict) else None
    return None


def _sentence(text: str) -> str:
    """The first sentence of the text's last paragraph block that has one (the body, not the header)."""
    for block in reversed(text.split("\n\n")):
        first = _SENTENCE_END.split(block.strip(), maxsplit=1)[0].strip()
        if first and not first.startswith("(no text;"):
            return first[:300]
    return "(empty)"


class GenericFiller:
    """Fill one schema for one article: deterministic in the article's text."""

    def __init__(self, schema: dict[str, Any], article: str) -> None:
        self.defs: dict[str, Any] = schema.get("$defs") or schema.get("definitions") or {}
        self.quote = _sentence(article)
        self.digest = hashlib.sha256(article.encode("utf-8")).digest()
        self.picks = 0

    def _pick(self, values: list[Any]) -> Any:
        self.picks += 1
        return values[self.digest[self.picks % len(self.digest)] % len(values)]

    def fill(self, node: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH or not isinstance(node, dict):
            return None
        ref = node.get("$ref")
        if isinstance(ref, str):
            return self.fill(self.defs.get(ref.rsplit("/", 1)[-1], {}), depth + 1)
        if "const" in node:
            return node["const"]
        if isinstance(node.get("enum"), list) and node["enum"]:
            return self._pick(node["enum"])
        for key in ("anyOf", "oneOf"):
            branches = node.get(key)
            if isinstance(branches, list) and branches:
                chosen = next((b for b in branches if isinstance(b, dict) and b.get("type") != "null"), branches[0])
                return self.fill(chosen, depth + 1)
        kind = node.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object" or "properties" in node:
            props = node.get("properties") or {}
            return {name: self.fill(sub, depth + 1) for name, sub in props.items()}
        if kind == "array":
            count = max(1, int(node.get("minItems", 1)))
            return [self.fill(node.get("items", {}), depth + 1) for _ in range(count)]
        if kind == "string":
            return self.quote
        if kind in ("integer", "number"):
            return node.get("minimum", 0)
        if kind == "boolean":
            return False
        return None


def generic_answer(body: dict[str, Any], article: str | None) -> dict[str, Any] | None:
    """The generic instance for this request, or None when it carries no schema."""
    schema = request_schema(body)
    if schema is None:
        return None
    answer = GenericFiller(schema, article or "").fill(schema)
    return answer if isinstance(answer, dict) else None
