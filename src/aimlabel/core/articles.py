"""Articles in, one at a time: JSONL, CSV, a plain text file, or stdin.

Readers stream (a 100,000-article file is never loaded whole) and never raise on a bad line:
they yield an `InputProblem` naming the line, so the run reports it and labels the rest.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from aimlabel.core.hashing import sha256_text
from aimlabel.core.validation import validation_message


class InputFormat(StrEnum):
    """How an articles file is read; `auto` goes by the extension, then the first bytes."""

    AUTO = "auto"
    JSONL = "jsonl"
    CSV = "csv"
    TEXT = "text"


class ArticleMeta(BaseModel):
    """What identifies and describes a news article, without its text. The fields are declared
    here once; every other shape of an article (the record's `ArticleRef`, a reviewer's
    `ArticleFields`, a gold line) is built on them."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    title: str | None = None
    outlet: str | None = None
    date: str | None = None
    url: str | None = None
    language: str | None = None
    event_id: str | None = None

    @field_validator("id", "event_id", "date", mode="before")
    @classmethod
    def _scalar_to_str(cls, value: object) -> object:
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, (int, float)):
            return str(value)
        return value


class ArticleFields(ArticleMeta):
    """An article as some input carries it: any of its fields, the text too, may be missing."""

    text: str | None = None

    def as_article(self) -> Article | None:
        """The article, when there is a title or a text to label."""
        if not (self.title or self.text):
            return None
        return Article.model_validate(self.model_dump())


class Article(ArticleFields):
    """One news article. Only `title` or `text` is required."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _needs_content(self) -> Article:
        if not self.title and not self.text:
            raise ValueError("article has neither a title nor a text")
        return self

    @property
    def content_hash(self) -> str:
        return sha256_text(f"{self.title or ''}\n\n{self.text or ''}")

    @property
    def key(self) -> str:
        """Stable identity: the given id, else a hash of title and text."""
        return self.id if self.id else "art-" + self.content_hash.removeprefix("sha256:")[:12]


ARTICLE_FIELDS = tuple(ArticleFields.model_fields)


@dataclass(frozen=True)
class InputProblem:
    """A line (or file) that could not be read as an article."""

    source: str
    line: int
    message: str
    raw_id: str | None = None


InputItem = tuple[int, Article] | InputProblem


def _problem_from_validation(source: str, line: int, exc: ValidationError, raw: dict[str, object]) -> InputProblem:
    rid = raw.get("id")
    return InputProblem(source, line, validation_message(exc), str(rid) if rid not in (None, "") else None)


def _decode_lines(stream: IO[bytes], source: str, encoding: str) -> Iterator[tuple[int, str | InputProblem]]:
    for number, raw in enumerate(stream, start=1):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            yield number, InputProblem(
                source, number, f"not valid {encoding} (byte {exc.start}); pass --encoding to read it"
            )
            continue
        if number == 1:
            text = text.lstrip("\ufeff")
        yield number, text


def read_jsonl(stream: IO[bytes], source: str, encoding: str = "utf-8") -> Iterator[InputItem]:
    for number, text in _decode_lines(stream, source, encoding):
        if isinstance(text, InputProblem):
            yield text
            continue
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            yield InputProblem(source, number, f"not JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(raw, dict):
            yield InputProblem(source, number, f"expected a JSON object, got {type(raw).__name__}")
            continue
        try:
            yield number, Article.model_validate(raw)
        except ValidationError as exc:
            yield _problem_from_validation(source, number, exc, raw)


def read_csv(stream: IO[bytes], source: str, encoding: str = "utf-8") -> Iterator[InputItem]:
    text_stream = io.TextIOWrapper(stream, encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="")
    try:
        yield from _csv_rows(csv.DictReader(text_stream), source, encoding)
    finally:
        text_stream.detach()


def _csv_rows(reader: csv.DictReader[str], source: str, encoding: str) -> Iterator[InputItem]:
    try:
        header = reader.fieldnames
    except UnicodeDecodeError as exc:
        yield InputProblem(source, 1, f"not valid {encoding} (byte {exc.start}); pass --encoding to read it")
        return
    if not header or not ({"title", "text"} & set(header)):
        yield InputProblem(source, 1, f"CSV header needs a 'title' or 'text' column; got {header}")
        return
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            yield InputProblem(source, reader.line_num + 1, f"not valid {encoding} (byte {exc.start}); pass --encoding to read it")
            return
        except csv.Error as exc:
            yield InputProblem(source, reader.line_num, f"bad CSV: {exc}")
            continue
        if None in row:
            yield InputProblem(source, reader.line_num, "more fields than the header has")
            continue
        raw = {k: v for k, v in row.items() if k in ARTICLE_FIELDS}
        try:
            yield reader.line_num, Article.model_validate(raw)
        except ValidationError as exc:
            yield _problem_from_validation(source, reader.line_num, exc, raw)


def read_text(stream: IO[bytes], source: str, encoding: str = "utf-8") -> Iterator[InputItem]:
    """A plain text file is one article: first non-empty line is the title, the rest the text."""
    data = stream.read()
    try:
        body = data.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        yield InputProblem(source, 1, f"not valid {encoding} (byte {exc.start}); pass --encoding to read it")
        return
    lines = body.strip().splitlines()
    if not lines:
        yield InputProblem(source, 1, "empty file: article has neither a title nor a text")
        return
    title, rest = lines[0], "\n".join(lines[1:])
    name = Path(source).stem if source != "<stdin>" else None
    yield 1, Article(id=name, title=title, text=rest or None)


def detect_format(source: str, head: bytes) -> InputFormat:
    suffix = Path(source).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return InputFormat.JSONL
    if suffix == ".csv":
        return InputFormat.CSV
    if suffix in (".txt", ".md"):
        return InputFormat.TEXT
    return InputFormat.JSONL if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else InputFormat.TEXT


_READERS = {InputFormat.JSONL: read_jsonl, InputFormat.CSV: read_csv, InputFormat.TEXT: read_text}


def iter_articles(path: str, fmt: InputFormat | str = InputFormat.AUTO, encoding: str = "utf-8") -> Iterator[InputItem]:
    """Stream articles from `path` ("-" for stdin), yielding `(line, Article)` or `InputProblem`."""
    source = "<stdin>" if path == "-" else path
    stream: IO[bytes]
    if path == "-":
        raw = sys.stdin.buffer
        stream = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[type-var]
    else:
        stream = open(path, "rb")  # noqa: SIM115 - closed below
    try:
        chosen = InputFormat(fmt)
        if chosen is InputFormat.AUTO:
            chosen = detect_format(source, stream.peek(64)[:64] if hasattr(stream, "peek") else b"")
        yield from _READERS[chosen](stream, source, encoding)
    finally:
        if path != "-":
            stream.close()


def articles_only(items: Iterable[InputItem]) -> Iterator[Article]:
    """Just the readable articles (for callers that report problems elsewhere)."""
    for item in items:
        if not isinstance(item, InputProblem):
            yield item[1]
