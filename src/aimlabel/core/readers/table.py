"""CSV and TSV: the header decides the columns, the delimiter is sniffed, and no row goes missing.

The delimiter is `--delimiter`, a `sep=;` first line (as Excel writes), a tab for TSV, or else
what `csv.Sniffer` finds among `, ; tab |`, checked against the header: the first delimiter that
splits the header into a title or text column wins.

A quote that never closes makes the csv module read every later line into one field. Rows are
parsed strictly, from physical lines kept for the row at hand, so such a row is found (a parse
error after it ran over lines, or a field that swallowed lines shaped like rows), reported with
the line where it starts, and its later lines are read again as rows: one row is lost, with an
error naming its line, instead of the rest of the file.
"""

from __future__ import annotations

import csv
import re
from collections import deque
from collections.abc import Iterable, Iterator

from aimlabel.core.articles import InputItem, InputProblem
from aimlabel.core.readers.columns import ColumnsProblem, column_fields, expected_columns, has_content_column, row_item
from aimlabel.core.readers.source import InputError, Line, Source

DELIMITERS = ",;\t|"
MAX_FIELD_CHARS = 10_000_000
_SNIFF_CHARS = 16 * 1024
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SEP_LINE = re.compile(r"sep=.", re.IGNORECASE)


class _Lines:
    """Physical lines for csv.reader, keeping those of the current row so they can be read again."""

    def __init__(self, lines: Iterator[Line]) -> None:
        self._lines = lines
        self._again: deque[Line] = deque()
        self.row: list[Line] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._again.popleft() if self._again else next(self._lines)
        self.row.append(line)
        return line.text

    def take(self) -> Line | None:
        """The next line itself (for the header), or None at the end."""
        return self.row[-1] if next(self, None) is not None else None

    def read_again(self, lines: list[Line]) -> None:
        self._again.extendleft(reversed(lines))


def _reader(lines: Iterable[str], delimiter: str, strict: bool = True) -> Iterator[list[str]]:
    return csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=strict)


def _split(text: str, delimiter: str) -> list[str]:
    return next(_reader([text], delimiter, strict=False), [])


def _sniffed(source: Source) -> str | None:
    sample = source.head_text()[:_SNIFF_CHARS]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return None


def choose_delimiter(source: Source, header: str, given: str | None, tsv: bool) -> tuple[str, list[str | None]]:
    """The delimiter and the field of each header column; an `InputError` when no title or text column shows."""
    if given is not None:
        tried = [given]
    elif tsv:
        tried = ["\t"]
    else:
        sniffed = _sniffed(source)
        tried = list(dict.fromkeys([*([sniffed] if sniffed else []), *DELIMITERS]))
    for delimiter in tried:
        names = _split(header, delimiter)
        try:
            fields = column_fields(names)
        except ColumnsProblem as exc:
            raise InputError(f"{source.name}: line 1: {exc}") from None
        if has_content_column(fields):
            return delimiter, fields
    names = [_NAMES.get(d, repr(d)) for d in tried]
    tried_also = f" ({', '.join(names[1:-1])} and {names[-1]} find no title or text column either)" if len(names) > 2 else (
        f" ({names[1]} finds no title or text column either)" if len(names) == 2 else "")
    raise InputError(f"{source.name}: line 1: the header needs {expected_columns()}; split at {names[0]} it reads "
                     f"{_split(header, tried[0])}{tried_also}"
                     + ("" if given else "; pass --delimiter if the columns are split by something else"))


def _row_shaped(lines: list[Line], delimiter: str, width: int, header: str) -> bool:
    """Lines a quoted field swallowed look like the file's rows (the header again, or every one
    splitting into as many fields as the header has). Cheap for the usual multi-line field:
    a paragraph is split as CSV only when it has enough delimiters to be a row."""
    texts = [line.text.strip() for line in lines if line.text.strip()]
    if any(text.casefold() == header for text in texts):
        return True
    if width < 3 or len(texts) < 3 or any(text.count(delimiter) < width - 1 for text in texts):
        return False
    return all(len(_split(text, delimiter)) == width for text in texts)


def read_table(source: Source, delimiter: str | None = None, tsv: bool = False) -> Iterator[InputItem]:
    csv.field_size_limit(MAX_FIELD_CHARS)
    lines = _Lines(source.lines())
    header = lines.take()
    if header is not None and delimiter is None and _SEP_LINE.fullmatch(header.text.strip()):
        delimiter, header = header.text.strip()[4], lines.take()
    if header is None:
        return
    if header.problem is not None:
        raise InputError(f"{source.name}: line {header.number}: {header.problem}")
    delimiter, fields = choose_delimiter(source, header.text, delimiter, tsv)
    yield from _rows(source.name, lines, delimiter, fields, header.text.strip().casefold())


def _rows(name: str, lines: _Lines, delimiter: str, fields: list[str | None], header: str) -> Iterator[InputItem]:
    def fresh() -> Iterator[list[str]]:
        return _reader(lines, delimiter)

    reader = fresh()
    while True:
        lines.row = []
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if len(lines.row) > 1:
                row, reader = lines.row, fresh()
                yield _unclosed(name, row, f"csv: {exc}")
                lines.read_again(row[1:])
                continue
            reader = fresh()  # one line with a stray quote: read leniently, as the csv module's default does
            cells = _split(lines.row[0].text, delimiter)
        row = lines.row
        if len(row) > 1 and _row_shaped(row[1:], delimiter, len(fields), header):
            reader = fresh()
            yield _unclosed(name, row, "its field runs over lines shaped like rows")
            lines.read_again(row[1:])
            continue
        item = _row_item(name, row, cells, fields)
        if item is not None:
            yield item


def _unclosed(name: str, row: list[Line], why: str) -> InputProblem:
    start, end = row[0].number, row[-1].number
    return InputProblem(name, start, f"a quote opened on this line never closes ({why}): it swallowed lines "
                                     f"{start + 1}-{end}; this row is skipped and those lines are read as rows again")


def _row_item(name: str, row: list[Line], cells: list[str], fields: list[str | None]) -> InputItem | None:
    undecodable = next((line.problem for line in row if line.problem), None)
    if undecodable is not None:
        return InputProblem(name, row[0].number, undecodable)
    return row_item(name, row[0].number, cells, fields)
