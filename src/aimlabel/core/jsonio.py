"""JSON as aimlabel prints and saves it: indented, non-ASCII kept, a final newline."""

from __future__ import annotations

import json
from typing import Any


def dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def json_error(exc: json.JSONDecodeError, column: bool = True) -> str:
    """json's message with its column: "Unterminated string starting at column 7" (json's own
    message for that ends in "at"), "Expecting ',' delimiter at column 57"."""
    if not column:
        return exc.msg
    return f"{exc.msg.removesuffix(' at')} at column {exc.colno}"
