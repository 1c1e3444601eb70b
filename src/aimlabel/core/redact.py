"""Keep secrets out of everything aimlabel writes.

API keys travel only in request headers, which recordings never store; this is the second
line: any text bound for a record, a recording or stderr passes through `redact`, which
replaces every registered secret (and common key shapes) with a marker.
"""

from __future__ import annotations

import re

_registered: set[str] = set()
_KEY_SHAPES = re.compile(r"\b(sk-[A-Za-z0-9_\-]{8,}|Bearer\s+[A-Za-z0-9_\-\.]{8,})")


def register_secret(value: str | None) -> None:
    if value and len(value) >= 8:
        _registered.add(value)


def redact(text: str) -> str:
    for secret in sorted(_registered, key=len, reverse=True):
        text = text.replace(secret, "[REDACTED]")
    return _KEY_SHAPES.sub("[REDACTED]", text)
