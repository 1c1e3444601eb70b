"""Read an answer's logprobs out of the response text without parsing all of them.

A label's logprobs are about 40 times the answer: every token with its alternatives, some 85 KB
against 2 KB. Parsing all of that costs more CPU than the rest of a label, and only the few
tokens of the classification value matter. So the scan works on the text:

1. the body is cut at its top-level `"top_logprobs"` keys (one C-level `split`); the text
   before each cut ends with that entry's own keys, and the last `"token"` in it is that
   entry's chosen token, decoded by the json module's C string scanner: every chosen token,
   none of the alternatives;
2. only the entries from the classification value on have their keys and `top_logprobs`
   parsed, as `class_distribution` asks for them;
3. the logprobs value is replaced by `null` in the text handed on to the client.

The scan checks itself: the chosen tokens must spell the answer text exactly, and every piece
must parse. When anything differs (another server's layout, several choices) it returns None
and the caller parses the whole body instead, so the result never depends on the layout.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any, NamedTuple

from aimlabel.core.record import Confidence
from aimlabel.model.logprobs import choice_text, class_distribution

_KEY = re.compile(r'"logprobs"\s*:\s*')
_CLOSE = re.compile(r"\s*\]")
_DECODER = json.JSONDecoder()
_TOP = '"top_logprobs"'


class Scanned(NamedTuple):
    text: str  # the response without its logprobs, as the client will parse it
    confidence: Confidence


def scan_logprobs(text: str, classes: Sequence[str]) -> Scanned | None:
    """The body without logprobs and the confidence they give, or None to parse it all instead."""
    found = _KEY.search(text)
    if found is None or not text.startswith("{", found.end()):
        return None
    start = found.end()
    pieces = text[start:].split(_TOP)
    if len(pieces) < 2:
        return None
    try:
        # Each piece ends with the next top-level entry's keys: its "token" is the piece's last one.
        tokens = [scanstring(piece, piece.index('"', piece.rfind('"token"') + 7) + 1)[0] for piece in pieces[:-1]]
        _, after = _DECODER.raw_decode('{"_"' + pieces[-1])  # the last entry's alternatives and its closing brace
        rest = pieces[-1][after - 4:]
        closed = _CLOSE.match(rest)
        if closed is None:
            return None
        _, tail = _DECODER.raw_decode('{"_": 0' + rest[closed.end():])  # the rest of the logprobs object
        end = len(text) - len(pieces[-1]) + (after - 4) + closed.end() + (tail - 7)
        small = text[:start] + "null" + text[end:]
        body = json.loads(small)
    except (ValueError, IndexError):
        return None
    choices = body.get("choices") if isinstance(body, dict) else None
    if not isinstance(choices, list) or len(choices) != 1 or not isinstance(choices[0], dict):
        return None
    if "".join(tokens) != choice_text(choices[0]):
        return None

    def entry(i: int) -> dict[str, Any]:
        piece = pieces[i]
        keys: dict[str, Any] = json.loads("{" + piece[piece.rfind('"token"'):] + ' "_": 0}')
        keys["top_logprobs"], _ = _DECODER.raw_decode(pieces[i + 1], pieces[i + 1].index("["))
        return keys

    try:
        confidence = class_distribution(tokens, entry, classes)
    except (ValueError, IndexError, TypeError):
        return None
    confidence.method = "logprobs"
    return Scanned(small, confidence)
