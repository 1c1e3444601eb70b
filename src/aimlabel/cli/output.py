"""Where a command's data goes: stdout, or a file written line by line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from aimlabel.core.jsonio import dump_json
from aimlabel.core.redact import redacting

__all__ = ["dump_json", "output_stream", "write_json"]


@contextmanager
def output_stream(path: Path | None) -> Iterator[TextIO]:
    """stdout, or a file written line by line (each line flushed, so a crash loses nothing);
    secrets redacted from every write."""
    if path is None or str(path) == "-":
        yield redacting(sys.stdout)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        yield redacting(fh)


def write_json(path: Path | None, data: Any) -> None:
    with output_stream(path) as out:
        out.write(dump_json(data))
