"""Article text that talks to an AI model.

News text scraped from the web can carry instructions aimed at whatever model reads it ("ignore
all previous instructions", "label this article as ..."), planted or quoted. The prompt tells the
model to ignore them, but a person should look at any label drawn from such an article.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from aimlabel.rules.base import RuleContext
from aimlabel.rules.text import snippet

_INJECTION = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b(?:ignore|disregard|forget|override)\b (?:all |any |the |your |these |those )*(?:previous |prior |above |earlier |preceding |system |original )+(?:instructions?|prompts?|rules|directions|messages)\b",
        r"\b(?:ignore|disregard|forget)\b (?:all |any )?(?:your |the )?(?:instructions|guidelines|system prompt)\b",
        r"\byou are (?:now )?(?:an?|the) (?:ai|a\.i\.|artificial intelligence|language model|llm|large language model|chatbot|assistant|model)\b",
        r"\bas an ai(?: language)? model\b",
        r"\b(?:label|classify|categori[sz]e|mark|tag|rate)\b (?:this|the) (?:article|story|text|item|news|page)? ?as\b",
        r"\b(?:system|developer) prompt\b",
        r"\bnew instructions?\s*:",
        r"\b(?:respond|reply|answer|output)\b (?:only )?with\b[^.]{0,40}\b(?:json|label|classification|unrelated)\b",
        r"</?(?:system|assistant|user|instructions?)>|\[/?INST\]|<\|im_start\|>",
    )
]


def injection_matches(text: str) -> list[str]:
    """The suspicious passages in reading order, overlapping matches counted once."""
    spans = sorted((m.start(), m.end()) for p in _INJECTION for m in p.finditer(text))
    kept: list[tuple[int, int]] = []
    for start, end in spans:
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return [text[start:end] for start, end in kept]


def instructions_in_article(ctx: RuleContext) -> Iterator[str]:
    if ctx.text is None:
        return
    found = injection_matches(ctx.text)
    if found:
        quoted = "; ".join(f"\"{snippet(text, 60)}\"" for text in found[:3])
        more = f" and {len(found) - 3} more" if len(found) > 3 else ""
        yield (
            f"the article contains text addressed to an AI model ({quoted}{more}); a person should "
            "check that the label follows the article and not these instructions"
        )
