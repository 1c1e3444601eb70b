"""OpenAI-format `logprobs` for a fake answer, with a chosen distribution over the classes.

The answer text is cut into word-sized tokens (about four characters each, as a real
tokenizer's), every token certain except the classification value's: there the class names
are split the way a BPE tokenizer splits them ("AI" + " Hazard", "Complement" + "ary" + ...,
the first piece carrying the opening quote), so "AI Incident" and "AI Hazard" share their first
token and part at the second. Each position lists `top` alternatives, the class pieces where
they apply and filler tokens elsewhere; a class outside the `top` is simply not listed, as a
real server does.
"""

from __future__ import annotations

import math
import re
from typing import Any

from aimlabel.model.logprobs import VALUE_START

_TOKEN = re.compile(r" ?[A-Za-z]{1,6}| ?[0-9]{1,3}|\s+|[^A-Za-z0-9\s]")
_CHUNK = re.compile(r".{1,64}", re.DOTALL)
_FILLERS = (" the", ",", " a", ".", " of", " and", " to", " in", "\n", " is", " on", " for", " it", " by", " as",
            " at", " or", " an", " be", " we")
_PIECES = {"AI Incident": ("AI", " Incident"), "AI Hazard": ("AI", " Hazard"),
           "Complementary Information": ("Complement", "ary", " Information"), "Unrelated": ("Un", "related")}


def pieces(name: str) -> tuple[str, ...]:
    """How the fake tokenizer splits a class name."""
    return _PIECES.get(name) or tuple(re.findall(r" ?\S+", name))


def _lp(p: float) -> float:
    return round(math.log(p), 6) if p > 0 else -9999.0


def _entry(token: str, logprob: float, alternatives: list[tuple[str, float]], top: int) -> dict[str, Any]:
    listed = sorted([(token, logprob), *[(t, lp) for t, lp in alternatives if t != token]], key=lambda a: -a[1])[:top]
    return {"token": token, "logprob": logprob, "bytes": None,
            "top_logprobs": [{"token": t, "logprob": lp, "bytes": None} for t, lp in listed]}


def fake_logprobs(text: str, distribution: dict[str, float], top: int = 5, compact: bool = False) -> dict[str, Any]:
    """`{"content": [...]}` for `text`, whose classification value gets `distribution`. `compact`
    (for bundled recordings): text outside the value in 64-character tokens, listing no
    alternatives, so a recording stays small; the value's tokens are the same either way."""
    tokens, outside = (_CHUNK, 0) if compact else (_TOKEN, top)
    found = VALUE_START.search(text)
    if found is None:
        raise ValueError("the answer text has no classification value")
    chosen = text[found.end():text.index('"', found.end())]
    value_pieces = pieces(chosen)
    content: list[dict[str, Any]] = []
    for i, token in enumerate(tokens.findall(text[:found.end() - 1])):
        content.append(_entry(token, -0.0001, [(f, -8.0 - k) for k, f in enumerate(_FILLERS[i % 7:])], outside))
    prefix = '"'
    path = 1.0
    for depth, piece in enumerate(value_pieces):
        fitting = {n: p for n, p in distribution.items() if pieces(n)[:depth] == value_pieces[:depth]}
        by_piece: dict[str, float] = {}
        for name, p in fitting.items():
            if len(pieces(name)) > depth:
                by_piece[pieces(name)[depth]] = by_piece.get(pieces(name)[depth], 0.0) + p
        total = sum(by_piece.values()) or 1.0
        alternatives = [(prefix + t, _lp(p / total)) for t, p in by_piece.items() if p > 0]
        conditional = by_piece.get(piece, 0.0) / total if len(by_piece) > 1 else 1.0
        content.append(_entry(prefix + piece, _lp(conditional) if conditional < 1 else 0.0,
                              alternatives + [(f, -9.0 - k) for k, f in enumerate(_FILLERS)], top))
        path *= conditional
        prefix = ""
    rest = text[found.end() + len(chosen):]
    for i, token in enumerate(tokens.findall(rest)):
        content.append(_entry(token, -0.0001, [(f, -8.0 - k) for k, f in enumerate(_FILLERS[i % 5:])], outside))
    return {"content": content}
