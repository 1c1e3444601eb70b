"""A plain text file (or text on stdin) is one article: its first non-empty line is the title,
the rest the text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from aimlabel.core.articles import Article, InputItem, InputProblem
from aimlabel.core.readers.source import Source
from aimlabel.core.validation import validation_message


def read_text(source: Source) -> Iterator[InputItem]:
    pieces = []
    for line in source.lines():
        if line.problem is not None:
            yield InputProblem(source.name, line.number, line.problem)
            return
        pieces.append(line.text)
    lines = "".join(pieces).strip().splitlines()
    title, rest = (lines[0], "\n".join(lines[1:])) if lines else (None, "")
    name = Path(source.path).stem if source.path != "-" else None
    try:
        yield 1, Article.model_validate({"id": name, "title": title, "text": rest or None})
    except ValidationError as exc:
        yield InputProblem(source.name, 1, validation_message(exc), name)
