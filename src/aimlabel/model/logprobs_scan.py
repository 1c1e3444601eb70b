"""Read an answer's logprobs out of the response bytes, touching only the entries around the value.

A label's logprobs are about 80 times the answer: every token with its alternatives, some 67 KB
against 1 KB. Parsing all of that costs more CPU than the rest of a label, and even decoding
every chosen token costs a fifth of a millisecond; only the few tokens of the classification
value matter. So the scan reads a window of entries there and nothing else:

1. the end of the logprobs value is found by one C-level match from its last `"top_logprobs"`
   key (the last alternatives, the content's closing bracket, scalar members), and the body
   without the logprobs (`null` in their place) is parsed: the answer text, and where its
   classification value starts;
2. a window of entries is read where the value should be (its place in the answer, in
   proportion): each entry's chosen token is the last `"token"` before its `"top_logprobs"` key,
   decoded by the json module's C string scanner; the window's text must occur exactly once in
   the answer, which places it, and it is grown an entry at a time back to the value and on past
   its closing quote;
3. only the entries from the value on have their keys and `top_logprobs` parsed, as
   `class_distribution` asks for them.

The scan checks itself: the window's tokens must spell the answer exactly where they are placed,
from before the value to past it, so every offset the reading uses is known; the logprobs must
belong to one choice (no other choice's `"index"` inside them: found by a C-level `memchr` for
the one key with an "x"), and every piece must parse. When anything differs (another server's
layout, several choices, a tokenizer that splits characters near the value) it returns None and
the caller parses the whole body instead, so the result never depends on the layout.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any, NamedTuple

from aimlabel.core.record import Confidence
from aimlabel.model.logprobs import VALUE_START, choice_text, class_distribution, class_in, unavailable

_KEY = re.compile(rb'"logprobs"\s*:\s*')
_STRING = rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"'  # every quantifier possessive: a failed match never backtracks
_SCALAR = rb"(?:null|true|false|-?[0-9][0-9.eE+-]*+|" + _STRING + rb"|\[[^\[\]\"]*+\])"
# From the last entry's alternatives to the end of the logprobs object, whose other members are scalars.
_END = re.compile(rb'"top_logprobs"\s*+:\s*+\[(?:[^\[\]"]++|' + _STRING + rb'|\[[^\[\]"]*+\])*+\]\s*+\}\s*+\]'
                  rb"(?:\s*+,\s*+" + _STRING + rb"\s*+:\s*+" + _SCALAR + rb")*+\s*+\}")
_LIST = re.compile(rb"\s*:\s*\[")
_DECODER = json.JSONDecoder()
_TOP = b'"top_logprobs"'
_TOKEN = b'"token"'
_ENTRIES = 8  # entries read at a time
_MAX_ENTRIES = 512
_BACK = 8  # characters before the value where a window is aimed
_AIMS = 3  # windows aimed at the value before walking an entry at a time


class Scanned(NamedTuple):
    text: bytes  # the response without its logprobs, as the client will parse it
    confidence: Confidence
    density: float | None = None  # bytes of logprobs per answer character after the value: aims the next scan


def _logprobs_span(text: bytes) -> tuple[int, int] | None:
    """Where the first choice's logprobs object starts and ends, if the text has exactly one."""
    found = _KEY.search(text)
    if found is None or not text.startswith(b"{", found.end()):
        return None
    start = found.end()
    last = text.rfind(_TOP)
    ended = _END.match(text, last) if last > start else None  # one C-level match, no decoding
    if ended is None:
        return None
    end = ended.end()
    x = text.find(b"x", start, end)  # a C-level memchr: "index" is the only key with an x
    while x != -1:
        if text.startswith(b'"index"', x - 5):
            return None  # another choice inside the span: several choices
        x = text.find(b"x", x + 1, end)
    return start, end


class _Window(NamedTuple):
    tokens: list[str]  # the chosen tokens of consecutive entries
    tops: list[int]  # where each entry's "top_logprobs" key starts (a byte offset)


def _token(text: bytes, low: int, top: int) -> str:
    """The chosen token of the entry whose `"top_logprobs"` key is at `top`: the last `"token"` before
    it, decoded from the entry's own bytes by the json module's C string scanner."""
    key = text.rfind(_TOKEN, low, top)
    if key == -1:
        raise ValueError("an entry without a chosen token")
    quote = text.index(b'"', key + len(_TOKEN)) + 1
    token: str = scanstring(text[quote:top].decode("utf-8", "replace"), 0)[0]
    return token


def _read(text: bytes, window: _Window, low: int, at: int, end: int, count: int) -> None:
    """Add to `window` the (at most) `count` entries whose `"top_logprobs"` keys come first after `at`."""
    tokens, tops, find = window.tokens, window.tops, text.find
    top = find(_TOP, at, end)
    while top != -1 and count:
        tokens.append(_token(text, tops[-1] if tops else low, top))
        tops.append(top)
        count -= 1
        top = find(_TOP, top + len(_TOP), end)


def _placed(text: bytes, answer: str, at: int, span: tuple[int, int]) -> tuple[_Window, int] | None:
    """The entries from the first one after `at`, read on until their text occurs exactly once in
    the answer, and where in the answer that is."""
    start, end = span
    window = _Window([], [])
    _read(text, window, start, at, end, _ENTRIES)
    joined = "".join(window.tokens)
    place = answer.find(joined) if joined else -1
    while place != -1 and answer.find(joined, place + 1) != -1 and len(window.tokens) < _MAX_ENTRIES:
        read = len(window.tokens)
        _read(text, window, start, window.tops[-1] + len(_TOP), end, read)  # repeated text: read on
        if len(window.tokens) == read:
            return None  # the logprobs end and the text still repeats
        joined = "".join(window.tokens)
        place = answer.find(joined)
    if place == -1 or answer.find(joined, place + 1) != -1:
        return None
    return window, place


def _locate(text: bytes, answer: str, value: int, reach: int, span: tuple[int, int],
            density: float | None) -> tuple[_Window, int] | None:
    """A window of entries that spells the answer from before `value` (the classification value's
    first character) to `reach` characters after it, and where in the answer it starts.

    The first guess counts back from the end (the value is nearer the end than the start), at
    `density` bytes of logprobs per answer character: what the run's last answer took after its
    value (answers of one server and schema end alike: the same fields, the same tokenizer), or,
    for the first answer and where the hint is far from this answer's average, the room an
    average character takes. A window is placed in the answer by its text, which must occur there
    exactly once (read on where it repeats). A window that misses the value gives the room its own
    characters take, and the next guess is aimed with it (tokens, and so entries per character,
    vary along an answer); the last one is grown an entry at a time backwards to the value and
    forwards past it."""
    start, end = span
    average = (end - start) / max(len(answer), 1)
    per_char = density if density and average / 4 < density < average * 4 else average  # a hint so far off is another answer's
    at = max(start, end - int((len(answer) - value + _BACK) * per_char))
    for _ in range(_AIMS):
        placed = _placed(text, answer, at, span)
        if placed is None:
            return None
        window, place = placed
        spelled = sum(map(len, window.tokens))
        if place <= value < place + spelled or len(window.tokens) < 2:
            break
        per_char = (window.tops[-1] - window.tops[0]) / max(spelled - len(window.tokens[0]), 1)
        if place > value:
            at = max(start, window.tops[0] - int((place - value + _BACK) * per_char) - 1)
        else:
            at = window.tops[-1] + int((value - _BACK - place - spelled) * per_char)
    while place > value and len(window.tokens) < _MAX_ENTRIES:  # it starts after the value: back an entry
        top = text.rfind(_TOP, start, window.tops[0])
        if top == -1:
            return None
        token = _token(text, start, top)
        window.tokens.insert(0, token)
        window.tops.insert(0, top)
        place -= len(token)
    need = min(value + reach, len(answer))
    while place + sum(map(len, window.tokens)) < need and len(window.tokens) < _MAX_ENTRIES:
        read = len(window.tokens)
        _read(text, window, start, window.tops[-1] + len(_TOP), end, _ENTRIES)
        if len(window.tokens) == read:
            break
    joined = "".join(window.tokens)
    if not 0 <= place <= value or place + len(joined) < need or not answer.startswith(joined, place):
        return None
    return window, place


def scan_logprobs(text: bytes, classes: Sequence[str], density: float | None = None) -> Scanned | None:
    """The body without logprobs and the confidence they give, or None to parse it all instead.

    `density` aims the search (the `density` of the last answer scanned); the result never depends
    on it, only the number of entries read."""
    try:
        span = _logprobs_span(text)
        if span is None:
            return None
        start, end = span
        small = text[:start] + b"null" + text[end:]
        body = json.loads(small)
    except (ValueError, IndexError):
        return None
    choices = body.get("choices") if isinstance(body, dict) else None
    if not isinstance(choices, list) or len(choices) != 1 or not isinstance(choices[0], dict):
        return None
    answer = choice_text(choices[0])
    if answer is None:
        return None
    key = VALUE_START.search(answer)
    if key is None:
        return Scanned(small, unavailable("the logprobs tokens hold no classification value"))
    try:
        named = class_in(answer, classes)  # the tokens must spell the value and its closing quote
        located = _locate(text, answer, key.end(), len(named) + 1 if named else max(map(len, classes)) + 2, span,
                          density)
        if located is None:
            return None
        window, place = located

        def entry(i: int) -> dict[str, Any]:
            top = window.tops[i]
            keys: dict[str, Any] = json.loads(b"{" + text[text.rfind(_TOKEN, 0, top):top] + b' "_": 0}')
            listed = _LIST.match(text, top + len(_TOP))
            if listed is None:
                raise ValueError("top_logprobs is not a list")
            upto = window.tops[i + 1] if i + 1 < len(window.tops) else end  # the list ends before the next entry's
            keys["top_logprobs"], _ = _DECODER.raw_decode(text[listed.end() - 1:upto].decode("utf-8", "replace"))
            return keys

        confidence = class_distribution(window.tokens, entry, classes, key.end() - place)
    except (ValueError, IndexError, TypeError, AttributeError, KeyError, ArithmeticError):
        return None
    confidence.method = "logprobs"
    return Scanned(small, confidence, (end - window.tops[0]) / max(len(answer) - place, 1))
