"""JSON inputs: JSON Lines (one object a line), and a JSON document (an array of objects, or
objects one after another, however they are laid out), both streamed."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from pydantic import ValidationError

from aimlabel.core.articles import Article, InputItem, InputProblem
from aimlabel.core.jsonio import json_error
from aimlabel.core.readers.columns import ColumnsProblem, article_fields
from aimlabel.core.readers.source import Line, Source
from aimlabel.core.validation import validation_message

MAX_VALUE_CHARS = 64 * 1024 * 1024  # one article object in a JSON document; past this it is an error
_WHITESPACE = " \t\r\n"
_decoder = json.JSONDecoder()


def article_item(source: str, line: int, raw: object) -> InputItem:
    """One JSON value as an article, or the problem with it."""
    if not isinstance(raw, Mapping):
        return InputProblem(source, line, f"expected a JSON object, got {type(raw).__name__}")
    rid = raw.get("id")
    raw_id = str(rid) if rid not in (None, "") and not isinstance(rid, (dict, list)) else None
    try:
        return line, Article.model_validate(article_fields(raw))
    except ColumnsProblem as exc:
        return InputProblem(source, line, str(exc), raw_id)
    except ValidationError as exc:
        return InputProblem(source, line, validation_message(exc), raw_id)


def looks_like_json_lines(source: Source) -> bool:
    """JSON Lines, as opposed to one document laid out over lines: one of the first few lines is
    a whole JSON object by itself (a broken first line does not turn JSON Lines into a document)."""
    lines = [line for line in source.head_text().splitlines() if line.strip()][:5]
    for line in lines:
        try:
            if isinstance(json.loads(line), dict):
                return True
        except json.JSONDecodeError:
            continue
    return False


def read_jsonl(source: Source) -> Iterator[InputItem]:
    for line in source.lines():
        if line.problem is not None:
            yield InputProblem(source.name, line.number, line.problem)
            continue
        if not line.text.strip():
            continue
        try:
            raw = json.loads(line.text)
        except json.JSONDecodeError as exc:
            yield InputProblem(source.name, line.number, f"not JSON: {json_error(exc)}")
            continue
        yield article_item(source.name, line.number, raw)


class _Document:
    """The decoded input as a string read on demand, with the line number of the read position."""

    def __init__(self, lines: Iterator[Line]) -> None:
        self._lines = lines
        self.text = ""
        self.pos = 0
        self.ended = False
        self.problem: Line | None = None
        self._counted = (0, 1)  # newlines are counted once: (position in text, its line number)

    def more(self) -> bool:
        """Read about 64 KB more; False at the end of the input (or at a line that did not decode)."""
        if self.ended:
            return False
        self._counted = (0, self.line_at(self.pos))
        self.text, self.pos = self.text[self.pos:], 0
        added = 0
        for line in self._lines:
            if line.problem is not None:
                self.problem, self.ended = line, True
                return added > 0
            self.text += line.text
            added += len(line.text)
            if added >= 64 * 1024:
                return True
        self.ended = True
        return added > 0

    def line_at(self, pos: int) -> int:
        """The line of a position at or after the last one asked about (or anywhere, counted afresh)."""
        start, line = self._counted
        if pos < start:
            start, line = 0, self._counted[1] - self.text.count("\n", 0, start)
        line += self.text.count("\n", start, pos)
        self._counted = (pos, line)
        return line

    def skip_space(self) -> str:
        """The next character that is not white space ("" at the end), left unread."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.text) or not self.more():
                return self.text[self.pos:self.pos + 1]

    def value(self) -> object:
        """The JSON value at the read position, reading more input until it is whole."""
        while True:
            try:
                value, end = _decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError:
                if len(self.text) - self.pos < MAX_VALUE_CHARS and self.more():
                    continue
                raise
            if end == len(self.text) and not self.ended and self.more():
                continue  # a number or a literal may go on in the next block
            self.pos = end
            return value


def read_json(source: Source) -> Iterator[InputItem]:
    """An array of article objects, or article objects one after another."""
    doc = _Document(source.lines())
    in_array = doc.skip_space() == "["
    if in_array:
        doc.pos += 1
    while True:
        nxt = doc.skip_space()
        if in_array and nxt == "]":
            doc.pos += 1
            if doc.skip_space():
                yield InputProblem(source.name, doc.line_at(doc.pos), "more JSON after the array's closing ']': "
                                   "expected one array of article objects")
            return
        if not nxt:
            if doc.problem is not None:
                yield InputProblem(source.name, doc.problem.number, doc.problem.problem or "unreadable")
            elif in_array:
                yield InputProblem(source.name, doc.line_at(doc.pos), "the JSON array never closes (no ']')")
            return
        line = doc.line_at(doc.pos)
        try:
            raw = doc.value()
        except json.JSONDecodeError as exc:
            at = doc.line_at(exc.pos)
            yield InputProblem(source.name, at, f"not JSON: {json_error(exc, column=False)}; the rest of the document, from line "
                                                f"{line}, was not read")
            return
        yield article_item(source.name, line, raw)
        if in_array:
            after = doc.skip_space()
            if after == ",":
                doc.pos += 1
            elif after != "]":
                yield InputProblem(source.name, doc.line_at(doc.pos), "expected ',' or ']' after an array element; "
                                                                      "the rest of the document was not read")
                return
