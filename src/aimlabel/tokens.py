"""Token counts without a tokenizer dependency.

A deliberately simple estimate (about four characters per token, rounded up) used for the
article budget. It overestimates for English prose, which errs on the side of cutting a little
early rather than overflowing a context window.
"""

from __future__ import annotations

CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    return -(-len(text) // CHARS_PER_TOKEN)


def chars_for_tokens(tokens: int) -> int:
    return tokens * CHARS_PER_TOKEN
