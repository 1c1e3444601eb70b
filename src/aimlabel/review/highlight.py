"""Find evidence quotes in the article and mark them, with the rule check's own matching.

The rule `evidence_in_article` decides whether a quote is in the article (case, whitespace,
quote and dash styles ignored; "..." may skip text). To show *where*, the text is normalised
one character at a time with the same `normalise`, keeping a map back to the original
characters, so a highlight always covers what the rule matched. Everything is HTML-escaped.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from aimlabel.rules.evidence import quote_in_text
from aimlabel.rules.text import normalise, strip_quote


@dataclass(frozen=True)
class Located:
    """A quote and the (start, end) spans in the original text where its pieces were found."""

    quote: str
    found: bool
    spans: tuple[tuple[int, int], ...]


def _normalised_with_map(text: str) -> tuple[str, list[int]]:
    chars: list[str] = []
    where: list[int] = []
    for index, ch in enumerate(text):
        if ch.isspace():
            if chars and chars[-1] != " ":
                chars.append(" ")
                where.append(index)
            continue
        for out in normalise(ch):
            chars.append(out)
            where.append(index)
    while chars and chars[-1] == " ":
        chars.pop()
        where.pop()
    return "".join(chars), where


def locate(quote: str, text: str) -> tuple[tuple[int, int], ...]:
    """Spans of each "..."-separated piece, found in order; () when any piece is missing."""
    norm, where = _normalised_with_map(text)
    pieces = [p for p in (strip_quote(p) for p in normalise(quote).split("...")) if p]
    spans = []
    position = 0
    for piece in pieces:
        found = norm.find(piece, position)
        if found < 0:
            return ()
        end = found + len(piece)
        spans.append((where[found], where[end - 1] + 1))
        position = end
    return tuple(spans)


def locate_all(quotes: Sequence[str], title: str | None, text: str | None) -> list[tuple[Located, Located]]:
    """Per quote: where it is in the title and in the text (either may hold it, as for the rule)."""
    whole = normalise("\n".join(p for p in (title, text) if p))
    out = []
    for quote in quotes:
        found = bool(whole) and quote_in_text(quote, whole)
        out.append((
            Located(quote, found, locate(quote, title) if title and found else ()),
            Located(quote, found, locate(quote, text) if text and found else ()),
        ))
    return out


def render_marked(text: str, marks: Sequence[tuple[int, int, str]]) -> str:
    """Escaped `text` with `<mark>` around each (start, end, css class) span; overlapping spans
    of different sides get both classes, so one passage can be evidence for both."""
    cuts = sorted({0, len(text), *(s for s, _, _ in marks), *(e for _, e, _ in marks)})
    parts = []
    for start, end in itertools.pairwise(cuts):
        classes = sorted({c for s, e, c in marks if s <= start and end <= e})
        chunk = escape(text[start:end])
        parts.append(f'<mark class="{" ".join(classes)}">{chunk}</mark>' if classes else chunk)
    return "".join(parts)
