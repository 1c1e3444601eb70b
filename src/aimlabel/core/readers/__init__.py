"""Articles in, one at a time, from what a user hands over: JSON Lines, a JSON array, CSV or TSV,
an Excel workbook, a plain text file, or stdin.

`iter_articles` opens the input and reads up to its first article before it returns, so an
input that cannot be read as articles at all (empty, a header without a title or text column,
a format it cannot tell, a missing optional extra) is one `InputError` before a run starts.
After that, readers stream (a 100,000-article file is never loaded whole) and never raise on a
bad line: they yield an `InputProblem` naming it, so the run reports it and labels the rest.

An article whose key (its id, else a hash of its title and text) an earlier line already had is
such a problem: the first is labelled, the later one fails naming the first. Two records with
one id could not be told apart by the store, the recordings, the review page or gold, and a
replay would hand them each other's answers depending on timing; an id names one article.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from aimlabel.core.articles import Article, InputFormat, InputItem, InputProblem
from aimlabel.core.readers.columns import column_fields, expected_columns, has_content_column
from aimlabel.core.readers.jsonl import looks_like_json_lines, read_json, read_jsonl
from aimlabel.core.readers.seen import SeenKeys
from aimlabel.core.readers.source import InputError, Source, open_source
from aimlabel.core.readers.table import DELIMITERS, read_table
from aimlabel.core.readers.text import read_text
from aimlabel.core.readers.xlsx import read_xlsx

__all__ = ["InputError", "articles_only", "iter_articles"]

SUFFIXES = {
    ".jsonl": InputFormat.JSONL, ".ndjson": InputFormat.JSONL, ".json": InputFormat.JSON,
    ".csv": InputFormat.CSV, ".tsv": InputFormat.TSV, ".tab": InputFormat.TSV,
    ".xlsx": InputFormat.XLSX, ".xlsm": InputFormat.XLSX, ".txt": InputFormat.TEXT, ".md": InputFormat.TEXT,
}
UNREADABLE = {
    ".xls": "an Excel 97-2003 workbook, which cannot be read: save it as .xlsx or .csv",
    ".ods": "an OpenDocument spreadsheet, which cannot be read: save it as .xlsx or .csv",
    ".numbers": "a Numbers spreadsheet, which cannot be read: export it as .xlsx or .csv",
    ".parquet": "a Parquet file, which cannot be read: export it as .jsonl or .csv",
    ".docx": "a Word document, which cannot be read: save the article as .txt",
    ".doc": "a Word document, which cannot be read: save the article as .txt",
    ".pdf": "a PDF, which cannot be read: save the article's text as .txt",
}
TABLES = (InputFormat.CSV, InputFormat.TSV)
Reader = Callable[[Source, str | None], Iterator[InputItem]]
_READERS: dict[InputFormat, Reader] = {
    InputFormat.JSONL: lambda source, _: read_jsonl(source),
    InputFormat.JSON: lambda source, _: read_json(source),
    InputFormat.CSV: lambda source, delimiter: read_table(source, delimiter),
    InputFormat.TSV: lambda source, delimiter: read_table(source, delimiter, tsv=True),
    InputFormat.XLSX: lambda source, _: read_xlsx(source),
    InputFormat.TEXT: lambda source, _: read_text(source),
}


def _table_header(source: Source) -> str | None:
    """The delimiter when the first line reads as a header naming two article fields, one of
    them the title or the text."""
    text = source.head_text().lstrip("\r\n")
    first = text.split("\n", 1)[0]
    for delimiter in DELIMITERS:
        names = first.split(delimiter)
        if len(names) < 2:
            continue
        try:
            fields = column_fields([n.strip().strip('"') for n in names])
        except ValueError:
            return delimiter
        if sum(f is not None for f in fields) >= 2 and has_content_column(fields):
            return delimiter
    return None


def _json_kind(source: Source) -> InputFormat:
    return InputFormat.JSONL if looks_like_json_lines(source) else InputFormat.JSON


def _by_content(source: Source) -> InputFormat:
    if source.head.startswith(b"PK\x03\x04"):
        return InputFormat.XLSX
    if source.head_text().lstrip()[:1] in ("{", "["):
        return _json_kind(source)
    if _table_header(source) is not None:
        return InputFormat.CSV
    if source.path == "-":
        return InputFormat.TEXT
    raise InputError(f"cannot tell what {source.name} holds: expected JSON Lines (.jsonl), a JSON array (.json), "
                     f"CSV or TSV with {expected_columns()}, an .xlsx workbook, or one article as .txt or .md; "
                     "pass --format to say which")


def choose_format(source: Source, fmt: InputFormat) -> InputFormat:
    """The format asked for, else the one the extension names (checked against the content), else the content's."""
    if fmt is not InputFormat.AUTO:
        return fmt
    suffix = Path(source.path).suffix.lower() if source.path != "-" else ""
    if suffix in UNREADABLE:
        raise InputError(f"{source.name} is {UNREADABLE[suffix]}")
    known = SUFFIXES.get(suffix)
    if known is None:
        return _by_content(source)
    if known is InputFormat.JSON:
        return _json_kind(source)
    if known is InputFormat.TEXT:
        looks = "JSON" if source.head_text().lstrip()[:1] in ("{", "[") else "a table" if _table_header(source) else None
        if looks:
            raise InputError(f"{source.name} looks like {looks}, but a {suffix} file is read as one article: "
                             "give it the extension of its format, or pass --format")
    return known


def _once_per_key(items: Iterator[InputItem], source: str) -> Iterator[InputItem]:
    keys = SeenKeys()
    for item in items:
        if not isinstance(item, InputProblem):
            line, article = item
            seen = keys.first_line(article.key, line)
            if seen != line:
                what = f"duplicate id {article.id!r}" if article.id else "the same title and text"
                yield InputProblem(source, line, f"{what}: line {seen} has it too, and only that line is labelled "
                                                 "(an id must name one article)")
                continue
        yield item


class ArticleStream(Iterator[InputItem]):
    """The items of an opened input, in input order; closes the input when they end (or on `close`)."""

    def __init__(self, first: InputItem, rest: Iterator[InputItem], source: Source) -> None:
        self._first: InputItem | None = first
        self._rest = rest
        self._source = source

    def __next__(self) -> InputItem:
        if self._first is not None:
            item, self._first = self._first, None
            return item
        try:
            return next(self._rest)
        except StopIteration:
            self.close()
            raise

    def close(self) -> None:
        self._source.close()


def iter_articles(path: str, fmt: InputFormat | str = InputFormat.AUTO, encoding: str = "utf-8",
                  delimiter: str | None = None) -> ArticleStream:
    """Open `path` ("-" for stdin) and stream `(line, Article)` or `InputProblem` items from it.

    Raises `InputError` (one line naming the input) when it cannot be read as articles at all.
    """
    source = open_source(path, encoding)
    try:
        chosen = choose_format(source, InputFormat(fmt))
        if delimiter is not None and chosen not in TABLES:
            raise InputError(f"--delimiter applies to CSV and TSV, and {source.name} is read as {chosen.value}")
        items = _once_per_key(_READERS[chosen](source, delimiter), source.name)
        first = next(items, None)
    except BaseException:
        source.close()
        raise
    if first is None:
        source.close()
        raise InputError(f"{source.name} holds no articles (read as {chosen.value})")
    return ArticleStream(first, items, source)


def articles_only(items: Iterable[InputItem]) -> Iterator[Article]:
    """Just the readable articles (for callers that report problems elsewhere)."""
    for item in items:
        if not isinstance(item, InputProblem):
            yield item[1]
