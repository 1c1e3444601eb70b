"""Cut a long article the way AIM reads one: title, then the opening paragraphs, to a budget.

AIM classifies from the title, abstract and first paragraphs, so keeping the head of the
article (whole paragraphs where possible) is both cheap and faithful to the monitor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aimlabel.core.tokens import chars_for_tokens, estimate_tokens

_SENTENCE_END = re.compile(r"[.!?…。](?=\s)")


@dataclass(frozen=True)
class CutText:
    text: str
    truncated: bool
    paragraphs_kept: int
    paragraphs_total: int
    chars_total: int


def split_paragraphs(text: str) -> list[str]:
    parts = re.split(r"\n\s*\n", text.strip())
    if len(parts) == 1 and "\n" in parts[0]:
        parts = parts[0].split("\n")
    return [p.strip() for p in parts if p.strip()]


def cut_to_budget(text: str, max_tokens: int) -> CutText:
    """Keep whole leading paragraphs within `max_tokens`; cut the first one at a sentence if needed."""
    paragraphs = split_paragraphs(text)
    if estimate_tokens(text) <= max_tokens:
        return CutText(text, False, len(paragraphs), len(paragraphs), len(text))
    kept: list[str] = []
    used = 0
    for para in paragraphs:
        cost = estimate_tokens(para) + 1
        if used + cost > max_tokens:
            break
        kept.append(para)
        used += cost
    if not kept and paragraphs:
        limit = chars_for_tokens(max_tokens)
        head = paragraphs[0][:limit]
        ends = [m.end() for m in _SENTENCE_END.finditer(head + " ")]
        if ends:
            head = head[: ends[-1]]
        elif " " in head:
            head = head[: head.rfind(" ")]
        kept = [head.strip()]
    return CutText("\n\n".join(kept), True, len(kept), len(paragraphs), len(text))
