"""The one labels reader: every command that takes labels (`check`, `eval --labels`, `compare`,
`review`, `show`) reads them here, whoever wrote them.

Each non-empty line is one JSON object in one of three forms:
1. a full `LabelRecord`, as `aimlabel label` writes it (recognised by its `status` key);
2. `{"id": ..., "label": {...}}`, optionally with article fields beside `label`
   (`event_id`, `title`, `text`, `outlet`, `date`, `url`, `language`) or in an `article` object;
3. a flat object: `id`, the label fields (`classification`, `rationale`, ...) and optionally
   the article fields above.
Forms 2 and 3 become `ok` records with provenance source "import". A line with `title` or
`text` carries its own article text. A line `{"kind": "event", "event_id", ...}` is an event's
own label (see `event_item`). An AIM event page copied as plain text (`aim_page`) is read as its
event and article labels (`read_labels_source`).

`read_labels` streams and never raises: bad lines become `LabelProblem`s and reading goes on
(`check` reports them and checks the rest). `load_labels` is for scoring, where a half-read file
would give a wrong score: its first bad line is a `LabelsProblem`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import ValidationError

from aimlabel import __version__
from aimlabel.core.aim_page import NotAnAimPage, looks_like_page, parse_page
from aimlabel.core.articles import ARTICLE_FIELDS, Article
from aimlabel.core.atomic import atomic_writer
from aimlabel.core.jsonio import json_error
from aimlabel.core.record import ArticleRef, LabelRecord, Provenance
from aimlabel.core.redact import redact
from aimlabel.core.validation import validation_message


class LabelsProblem(ValueError):
    """A labels file that cannot be scored; the message names the line."""


@dataclass(frozen=True)
class LabelItem:
    """One readable line: the record, and the article when the line carries its text.
    `kind` is "event" for an event's own label (an AIM page's header)."""

    line: int
    record: LabelRecord
    article: Article | None = None
    kind: Literal["label", "event"] = "label"

    @property
    def written_by_people(self) -> bool:
        """Labels imported from people or other tools: their vocabulary may be wider than ours."""
        source = self.record.provenance.source if self.record.provenance else "import"
        return source in ("import", "human")


@dataclass(frozen=True)
class LabelProblem:
    line: int
    message: str


def _loose_record(raw: dict[str, Any], line: int) -> LabelItem | LabelProblem:
    raw_id = raw.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)) or str(raw_id).strip() == "":
        return LabelProblem(line, "no 'id': every label needs the id of its article")
    nested_raw = raw.get("article")
    nested: dict[str, Any] = nested_raw if isinstance(nested_raw, dict) else {}
    fields = {**{k: v for k, v in nested.items() if k in ARTICLE_FIELDS}, **{k: v for k, v in raw.items() if k in ARTICLE_FIELDS}}
    fields["id"] = str(raw_id)
    if "label" in raw:
        if not isinstance(raw["label"], dict):
            return LabelProblem(line, f"'label' must be a JSON object, got {type(raw['label']).__name__}")
        label = dict(raw["label"])
    else:
        label = {k: v for k, v in raw.items() if k not in ARTICLE_FIELDS and k != "article"}
    article = None
    if fields.get("title") or fields.get("text"):
        try:
            article = Article.model_validate(fields)
        except ValidationError as exc:
            return LabelProblem(line, validation_message(exc))
    ref_fields = {k: v for k, v in fields.items() if k != "text" and v is not None}
    try:
        record = LabelRecord(
            id=str(raw_id), status="ok", label=label,
            article=ArticleRef.model_validate({**ref_fields, "content_hash": article.content_hash if article else None}),
            provenance=Provenance(tool_version=__version__, source="import"),
        )
    except ValidationError as exc:
        return LabelProblem(line, validation_message(exc))
    return LabelItem(line, record, article)


def parse_label_line(raw: Any, line: int) -> LabelItem | LabelProblem:
    """One decoded JSON value as a label in any accepted form."""
    if not isinstance(raw, dict):
        return LabelProblem(line, f"expected a JSON object, got {type(raw).__name__}")
    if raw.get("kind") == "event":
        return event_item(line, raw)
    if "status" in raw:
        try:
            return LabelItem(line, LabelRecord.model_validate(raw))
        except ValidationError as exc:
            return LabelProblem(line, "not a valid label record: " + validation_message(exc))
    if "label" in raw or "classification" in raw or "rationale" in raw:
        return _loose_record(raw, line)
    return LabelProblem(
        line, "not a label: expected a label record, {\"id\", \"label\": {...}}, or a flat object with 'classification'"
    )


def read_labels(stream: IO[bytes]) -> Iterator[LabelItem | LabelProblem]:
    """Stream a JSONL labels file; never raises on a bad line."""
    for number, raw_line in enumerate(stream, start=1):
        try:
            text = raw_line.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            yield LabelProblem(number, f"not valid UTF-8 (byte {exc.start})")
            continue
        if number == 1:
            text = text.lstrip("\ufeff")
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield LabelProblem(number, f"not JSON: {json_error(exc)}")
            continue
        yield parse_label_line(value, number)


def event_item(line: int, raw: dict[str, Any]) -> LabelItem | LabelProblem:
    """An event's own label: `{"kind": "event", "event_id", "title", "summary", "rationale",
    "severity", taxonomy fields...}` (what an AIM page shows above its articles)."""
    event_id = raw.get("event_id")
    if not isinstance(event_id, (str, int)) or isinstance(event_id, bool) or not str(event_id).strip():
        return LabelProblem(line, "an event line needs an 'event_id'")
    label = {k: v for k, v in raw.items() if k not in ("kind", "event_id", "title", "summary", "id")}
    title = raw.get("title") if isinstance(raw.get("title"), str) else None
    summary = raw.get("summary") if isinstance(raw.get("summary"), str) else None
    article = Article(id=f"event:{event_id}", title=title, text=summary, event_id=str(event_id)) if title or summary else None
    record = LabelRecord(
        id=f"event:{event_id}", status="ok", label=label,
        article=ArticleRef(id=f"event:{event_id}", title=title, event_id=str(event_id)),
        provenance=Provenance(tool_version=__version__, source="import"),
    )
    return LabelItem(line, record, article, kind="event")


def page_items(text: str, event_id: str) -> Iterator[LabelItem | LabelProblem]:
    """The event and article labels of an AIM event page (see `aim_page`)."""
    try:
        page = parse_page(text, event_id)
    except NotAnAimPage as exc:
        yield LabelProblem(1, str(exc))
        return
    event = {"kind": "event", "event_id": page.event_id, "title": page.title, "summary": page.summary,
             "rationale": page.rationale, **{k: (v[0] if k in _SINGLE and v else v) for k, v in page.chips.items()}}
    yield event_item(1, event)
    for article in page.articles:
        key = f"{page.event_id}-{article.number:02d}"
        ref = ArticleRef(id=key, title=article.title, outlet=article.outlet, date=article.date, event_id=page.event_id,
                         line=article.line)
        record = LabelRecord(id=key, status="ok", label={"rationale": article.rationale}, article=ref,
                             provenance=Provenance(tool_version=__version__, source="import"))
        text_article = Article(id=key, title=article.title, event_id=page.event_id) if article.title else None
        yield LabelItem(article.line, record, text_article)


_SINGLE = ("severity", "autonomy_level")


def read_labels_source(stream: IO[bytes], name: str) -> Iterator[LabelItem | LabelProblem]:
    """A labels source of either kind: JSONL, or an AIM event page as plain text (recognised by
    its "Why's our monitor labelling this" and "Articles about this incident or hazard" lines;
    the event id is the file's name without its extension)."""
    head = stream.peek(4096)[:4096] if hasattr(stream, "peek") else b""
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first in (b"{", b""):
        yield from read_labels(stream)
        return
    data = head + stream.read() if not hasattr(stream, "peek") else stream.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield LabelProblem(1, f"not valid UTF-8 (byte {exc.start})")
        return
    if looks_like_page(text):
        yield from page_items(text, name)
        return
    yield LabelProblem(1, "not a labels file: expected JSON Lines (one label object a line) or an AIM event page")


def load_labels(path: Path) -> list[LabelRecord]:
    """Every record of a labels file, in file order; the first unreadable line is a `LabelsProblem`."""
    records = []
    with open(path, "rb") as fh:
        for entry in read_labels(fh):
            if isinstance(entry, LabelProblem):
                raise LabelsProblem(f"{path}:{entry.line}: {entry.message}")
            records.append(entry.record)
    return records


def write_labels(path: Path, records: Iterable[LabelRecord]) -> None:
    """Records as JSONL, one per line (the format `aimlabel label` writes)."""
    with atomic_writer(path) as fh:
        for record in records:
            fh.write(redact(record.to_json()) + "\n")
