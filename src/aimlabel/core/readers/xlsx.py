"""Excel workbooks (.xlsx), through openpyxl, an optional extra: `pip install 'aimlabel[xlsx]'`.

The first sheet whose first non-empty row names a title or text column is read, row by row
(openpyxl's read-only mode streams); rows are numbered as Excel numbers them. Cells become text:
whole numbers without ".0", dates as ISO dates.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from typing import IO, Any

from aimlabel.core.articles import InputItem
from aimlabel.core.readers.columns import ColumnsProblem, column_fields, expected_columns, has_content_column, row_item
from aimlabel.core.readers.source import InputError, Source

INSTALL = "pip install 'aimlabel[xlsx]'"


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _open_workbook(source: Source, data: IO[bytes]) -> Any:
    try:
        import openpyxl
    except ImportError:
        raise InputError(f"{source.name}: reading .xlsx needs openpyxl, an optional extra: {INSTALL}") from None
    try:
        return openpyxl.load_workbook(data, read_only=True, data_only=True)
    except Exception as exc:  # an untrusted file in a third-party parser: any failure means "not a workbook"
        raise InputError(f"{source.name}: not an .xlsx workbook openpyxl can read ({type(exc).__name__}: {exc})") from None


def _header(rows: Iterator[tuple[int, Sequence[object]]]) -> tuple[int, list[str | None]] | None:
    for number, cells in rows:
        names = [cell_text(c).strip() for c in cells]
        if any(names):
            return number, column_fields(names)
    return None


def read_xlsx(source: Source) -> Iterator[InputItem]:
    # A file object, not the name: openpyxl refuses names without an Excel extension.
    data: IO[bytes] = open(source.path, "rb") if source.path != "-" else io.BytesIO(source.stream.read())  # noqa: SIM115
    try:
        workbook = _open_workbook(source, data)
        try:
            yield from _first_sheet_with_a_header(source, workbook)
        finally:
            workbook.close()
    finally:
        data.close()


def _first_sheet_with_a_header(source: Source, workbook: Any) -> Iterator[InputItem]:
    seen = []
    for sheet in workbook.worksheets:
        rows = enumerate(sheet.iter_rows(values_only=True), start=sheet.min_row or 1)
        try:
            found = _header(rows)
        except ColumnsProblem as exc:
            raise InputError(f"{source.name}: sheet {sheet.title!r}: {exc}") from None
        if found is None or not has_content_column(found[1]):
            seen.append(sheet.title)
            continue
        yield from _rows(source.name, rows, found[1])
        return
    raise InputError(f"{source.name}: no sheet has a header row with {expected_columns()} "
                     f"(sheets: {', '.join(repr(s) for s in seen)})")


def _rows(name: str, rows: Iterator[tuple[int, Sequence[object]]], fields: list[str | None]) -> Iterator[InputItem]:
    for number, cells in rows:
        item = row_item(name, number, [cell_text(c) for c in cells], fields)
        if item is not None:
            yield item
