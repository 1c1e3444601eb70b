"""Where a command's data goes: stdout, or a file that is replaced only when the command succeeds.

A file output is written (line by line, each line flushed) into a temporary file beside it
and renamed over it at the end (`aimlabel.core.atomic`): a failed, interrupted or killed
command leaves the earlier file as it was. An output that names one of the command's inputs is
refused before anything is read or written.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from aimlabel.cli.exits import fail
from aimlabel.core.atomic import atomic_writer, same_file, write_text_atomic
from aimlabel.core.jsonio import dump_json
from aimlabel.core.redact import redact, redacting

__all__ = ["dump_json", "output_stream", "refuse_overwrites", "write_json", "write_text"]

Inputs = Iterable[str | Path | None]


def refuse_overwrites(outputs: Mapping[str, Path | None], inputs: Inputs) -> None:
    """A usage error when an output (keyed by its option) is one of the inputs or another output."""
    files = {option: path for option, path in outputs.items() if path is not None and str(path) != "-"}
    sources = [source for source in inputs if source is not None and str(source) != "-"]
    for option, path in files.items():
        if path.is_dir():
            raise fail(f"{option} {path} is a folder: give a file name")
        for source in sources:
            if same_file(path, source):
                raise fail(f"{option} {path} is the input {source}: writing it would destroy the input; "
                           "choose another output file")
    seen: dict[Path, str] = {}
    for option, path in files.items():
        where = path.resolve()
        if where in seen:
            raise fail(f"{path} is given twice ({seen[where]} and {option}): give each output its own file")
        seen[where] = option


@contextmanager
def output_stream(path: Path | None, inputs: Inputs = (), option: str = "-o") -> Iterator[TextIO]:
    """stdout, or a file replaced when the block ends without an exception (see the module);
    secrets redacted from every write."""
    if path is None or str(path) == "-":
        yield redacting(sys.stdout)
        return
    refuse_overwrites({option: path}, inputs)
    with atomic_writer(path) as fh:
        yield redacting(fh)


def write_text(path: Path | None, text: str, inputs: Inputs = (), option: str = "-o") -> None:
    """A whole text to stdout or a file (replaced atomically), secrets redacted."""
    text = redact(text)
    if path is None or str(path) == "-":
        sys.stdout.write(text)
        return
    refuse_overwrites({option: path}, inputs)
    write_text_atomic(path, text)


def write_json(path: Path | None, data: Any, inputs: Inputs = (), option: str = "-o") -> None:
    write_text(path, dump_json(data), inputs, option)
