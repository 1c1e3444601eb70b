"""Token counts: tiktoken when it is installed and knows the model, an estimate otherwise.

The estimate (about four characters per token, rounded up) overestimates English prose a
little, which errs on the side of cutting early and budgeting high. tiktoken is optional: it
fetches its encodings from the network on first use, which may not be possible, so any failure
falls back to the estimate and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

CHARS_PER_TOKEN = 4
ESTIMATE = "estimate (4 characters a token)"


def estimate_tokens(text: str) -> int:
    return -(-len(text) // CHARS_PER_TOKEN)


def chars_for_tokens(tokens: int) -> int:
    return tokens * CHARS_PER_TOKEN


@lru_cache(maxsize=8)
def counter_for(model: str | None) -> tuple[Callable[[str], int], str]:
    """A token counter for `model` and a word on how it counts."""
    if model:
        try:
            import tiktoken

            encoding = tiktoken.encoding_for_model(model)
            return (lambda text: len(encoding.encode(text, disallowed_special=()))), f"tiktoken {encoding.name}"
        except Exception:  # not installed, unknown model, or encodings not downloadable
            pass
    return estimate_tokens, ESTIMATE
