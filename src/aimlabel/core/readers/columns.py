"""Column names and JSON keys as people write them, mapped to the article's fields.

A name matches whatever its case, spaces, hyphens, dots and underscores (`Published At`,
`published-at` and `publishedAt` are all `published_at`), and each field has a few documented
aliases (`ALIASES`, the table in docs/labelling.md). A field's own name wins over its aliases
(a file with both `text` and `content` reads `text`); two aliases of one field and no field name
(`body` and `content`), or one name twice, is an error, never a guess.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence

from pydantic import ValidationError

from aimlabel.core.articles import Article, InputItem, InputProblem
from aimlabel.core.validation import validation_message

ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("article_id", "doc_id", "document_id"),
    "title": ("headline",),
    "text": ("body", "content"),
    "outlet": ("source",),
    "date": ("published", "published_at"),
    "url": ("link",),
    "language": ("lang",),
    "event_id": (),
}
CONTENT_FIELDS = ("title", "text")
_SEPARATORS = re.compile(r"[\s_\-.]+")


@functools.lru_cache(maxsize=1024)
def _folded(name: str) -> str:
    return _SEPARATORS.sub("", name.casefold())


_FIELD_OF = {_folded(alias): (field, False) for field, names in ALIASES.items() for alias in names}
_FIELD_OF.update({_folded(field): (field, True) for field in ALIASES})


class ColumnsProblem(ValueError):
    """Two columns (or keys) give one field and neither is its own name."""


def field_of(name: object) -> str | None:
    """The article field a column name or key stands for, if any."""
    found = _FIELD_OF.get(_folded(name)) if isinstance(name, str) else None
    return found[0] if found else None


@functools.lru_cache(maxsize=256)
def _pick(names: tuple[object, ...], what: str) -> dict[str, int]:
    """For each field, the index of the name that gives it (cached: every line of a file has the same keys)."""
    by_field: dict[str, list[tuple[int, bool]]] = {}
    for index, name in enumerate(names):
        found = _FIELD_OF.get(_folded(name)) if isinstance(name, str) else None
        if found is not None:
            by_field.setdefault(found[0], []).append((index, found[1]))
    picked: dict[str, int] = {}
    for field, candidates in by_field.items():
        own = [i for i, is_own in candidates if is_own]
        if len(own) > 1 or (not own and len(candidates) > 1):
            clash = own if own else [i for i, _ in candidates]
            raise ColumnsProblem(f"{what} {names[clash[0]]!r} and {names[clash[1]]!r} both give the {field}: "
                                 f"keep one (or name one {field!r})")
        picked[field] = own[0] if own else candidates[0][0]
    return picked


def column_fields(names: Sequence[object]) -> list[str | None]:
    """The field each column is read into (None: not read); raises `ColumnsProblem`."""
    fields: list[str | None] = [None] * len(names)
    for field, index in _pick(tuple(names), "columns").items():
        fields[index] = field
    return fields


def has_content_column(fields: Sequence[str | None]) -> bool:
    return any(f in CONTENT_FIELDS for f in fields)


def expected_columns() -> str:
    """What a header must name, for error messages."""
    return "a title or text column (or " + ", ".join(a for f in CONTENT_FIELDS for a in ALIASES[f]) + ")"


def article_fields(raw: Mapping[str, object]) -> dict[str, object]:
    """A JSON object's keys mapped to article fields (other keys dropped); keys without a value
    take no part, so `{"text": "...", "content": null}` is fine. Raises `ColumnsProblem`."""
    given = {k: v for k, v in raw.items() if v is not None and v != ""}
    keys = tuple(given)
    return {field: given[keys[index]] for field, index in _pick(keys, "keys").items()}


def row_item(source: str, line: int, cells: Sequence[str], fields: Sequence[str | None]) -> InputItem | None:
    """A table row as an article, or the problem with it; None for a row whose every cell is
    empty (what a blank line is in a text file: nothing to label, nothing lost)."""
    if not any(cell.strip() for cell in cells):
        return None
    width = len(fields)
    if any(cell.strip() for cell in cells[width:]):
        return InputProblem(source, line, f"more fields than the header has ({len(cells)}, the header has {width})")
    raw = {field: cell for field, cell in zip(fields, cells) if field is not None}
    try:
        return line, Article.model_validate(raw)
    except ValidationError as exc:
        return InputProblem(source, line, validation_message(exc), raw.get("id", "").strip() or None)
