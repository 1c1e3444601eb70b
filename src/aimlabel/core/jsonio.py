"""JSON as aimlabel prints and saves it: indented, non-ASCII kept, a final newline."""

from __future__ import annotations

import json
from typing import Any


def dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
