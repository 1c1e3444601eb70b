"""Evidence quotes must be copied from the article.

A quote that is not in the article is invented evidence: the label may still be right, but it
can no longer be checked, so it is an error. Matching ignores case, whitespace, curly versus
straight quotes and dash styles, and a quote may skip text with "..." as long as every piece is
found in order.
"""

from __future__ import annotations

from collections.abc import Iterator

from aimlabel.rules.base import RuleContext
from aimlabel.rules.text import list_field, normalise, snippet, strip_quote


def quote_in_text(quote: str, normalised_text: str) -> bool:
    """Whether every "..."-separated piece of `quote` occurs in the text, in order."""
    position = 0
    pieces = [strip_quote(p) for p in normalise(quote).split("...")]
    pieces = [p for p in pieces if p]
    if not pieces:
        return False
    for piece in pieces:
        found = normalised_text.find(piece, position)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def evidence_in_article(ctx: RuleContext) -> Iterator[str]:
    if ctx.text is None:
        return
    text = normalise(ctx.text)
    quotes = list_field(ctx.label, "evidence")
    for number, quote in enumerate(quotes, start=1):
        if not quote_in_text(quote, text):
            yield (
                f"evidence quote {number} of {len(quotes)} is not in the article: \"{snippet(quote)}\"; "
                "check the article and copy the passage word for word, or drop the quote"
            )
