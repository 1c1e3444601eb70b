"""Where labels come from on the command line: files, AIM event pages, stdin or stored runs.

`check` and `events` take the same LABELS arguments and read them here, so a labels file, an
AIM event page copied as text, `-` and a run name mean the same thing to both.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

from aimlabel.cli.exits import err, fail
from aimlabel.core.labels_file import LabelItem, LabelProblem, read_labels_source


def read_label_items(sources: list[str], store: Path | None) -> tuple[list[LabelItem], int]:
    """Every label of every source, and how many lines could not be read (each named on stderr)."""
    items: list[LabelItem] = []
    bad = 0
    for labels in sources:
        if labels != "-" and not Path(labels).is_file():
            items += _stored_run(labels, store)
            continue
        source = "<stdin>" if labels == "-" else labels
        stream: IO[bytes] = sys.stdin.buffer if labels == "-" else open(labels, "rb")  # noqa: SIM115
        try:
            for entry in read_labels_source(stream, "stdin" if labels == "-" else Path(labels).stem):
                if isinstance(entry, LabelProblem):
                    bad += 1
                    err(f"{source}:{entry.line}: skipped: {entry.message}")
                else:
                    items.append(entry)
        finally:
            if labels != "-":
                stream.close()
    return items, bad


def _stored_run(name: str, store: Path | None) -> list[LabelItem]:
    from aimlabel.run.store import UnknownRun, default_store_path, stored_run_records

    try:
        return [LabelItem(n, r) for n, r in enumerate(stored_run_records(name, store or default_store_path()), start=1)]
    except UnknownRun as exc:
        raise fail(str(exc)) from None
