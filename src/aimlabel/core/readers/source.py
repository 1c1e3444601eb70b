"""Opening an input: the file or stdin, its first bytes, its encoding, and its decoded lines.

A byte-order mark decides the encoding (UTF-8, UTF-16 or UTF-32, either byte order), whatever
`--encoding` says; the text is decoded before it is split into lines, so a UTF-16 file splits
where its own newlines are. Encodings that keep ASCII's bytes (UTF-8, Latin-1, cp1252...) are
decoded line by line, so one undecodable line is reported and the next ones are still read.
"""

from __future__ import annotations

import codecs
import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, NamedTuple

HEAD_BYTES = 64 * 1024
_CHUNK = 64 * 1024
# UTF-32-LE's mark begins with UTF-16-LE's: the longer marks are tried first.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_LONE_CR = re.compile(r"\r(?!\n)")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)")
_ASCII_PROBE = "\n\r\t{}[],;|\"' az09"


class InputError(Exception):
    """The input as a whole cannot be read as articles; the message is one line naming it."""


class Line(NamedTuple):
    """One physical line (its end kept), numbered from 1; `problem` says why it did not decode."""

    number: int
    text: str
    problem: str | None = None


class _Prefixed(io.RawIOBase):
    """The bytes already read from a stream, then the rest of it: lets stdin be peeked at."""

    def __init__(self, prefix: bytes, rest: IO[bytes]) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if self._rest is not sys.stdin.buffer:
            self._rest.close()
        super().close()

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        read1 = getattr(self._rest, "read1", self._rest.read)
        data = read1(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def ascii_compatible(encoding: str) -> bool:
    """Whether ASCII text has the same bytes in `encoding` (so bytes can be split at b"\\n")."""
    try:
        return _ASCII_PROBE.encode(encoding) == _ASCII_PROBE.encode("ascii")
    except (UnicodeError, LookupError):
        return False


@dataclass
class Source:
    """An opened input. `head` is its first bytes after any byte-order mark, `whole` says
    whether that is all of it; `stream` reads from the start of `head`."""

    path: str
    name: str
    stream: IO[bytes]
    head: bytes
    whole: bool
    encoding: str
    bom: bool

    def head_text(self) -> str:
        """The first bytes decoded, cut at the last whole line when there is more."""
        text = self.head.decode(self.encoding, errors="replace")
        if not self.whole and "\n" in text:
            text = text[: text.rindex("\n") + 1]
        return text

    def lines(self) -> Iterator[Line]:
        return _ascii_lines(self) if ascii_compatible(self.encoding) else _decoded_lines(self)

    def close(self) -> None:
        self.stream.close()


def _utf16_without_mark(head: bytes) -> str | None:
    sample = head[:512]
    if len(sample) < 8 or sample.count(0) < len(sample) // 4:
        return None
    odd_zeros = sample[1::2].count(0)
    even_zeros = sample[0::2].count(0)
    return "utf-16-le" if odd_zeros > even_zeros else "utf-16-be"


def _read_head(raw: IO[bytes]) -> tuple[bytes, bool]:
    """Up to HEAD_BYTES, but no more than a first line with something on it needs (a pipe is
    not waited on for 64 KB to tell its format). Says whether the input ended."""
    read1 = getattr(raw, "read1", raw.read)
    head = b""
    while len(head) < HEAD_BYTES:
        chunk = read1(HEAD_BYTES - len(head))
        if not chunk:
            return head, True
        head += chunk
        if b"\n" in chunk and head.strip():
            break
    return head, False


def open_source(path: str, encoding: str) -> Source:
    """Open `path` ("-" for stdin) and settle its encoding; an empty input is an `InputError`."""
    name = "<stdin>" if path == "-" else path
    try:
        raw: IO[bytes] = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115 - Source.close
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
    try:
        head, ended = _read_head(raw)
        bom = next(((mark, enc) for mark, enc in _BOMS if head.startswith(mark)), None)
        if bom is not None:
            head, encoding = head[len(bom[0]):], bom[1]
        elif ascii_compatible(encoding) and (guess := _utf16_without_mark(head)) is not None:
            raise InputError(f"{name} looks like UTF-16 without a byte-order mark: pass --encoding {guess}")
        if ended and not head.decode(encoding, errors="ignore").strip():
            raise InputError(f"{name} is empty: there are no articles to label")
    except BaseException as exc:
        if path != "-":
            raw.close()
        if isinstance(exc, OSError):
            raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
        raise
    return Source(path, name, io.BufferedReader(_Prefixed(head, raw)), head, ended, encoding, bom is not None)


def _lone_cr(text: str) -> bool:
    crs = text.count("\r")
    return bool(crs) and not (crs == 1 and text.endswith("\r\n")) and bool(_LONE_CR.search(text.removesuffix("\n").removesuffix("\r")))


def _split_at_lone_cr(number: int, text: str, problem: str | None) -> list[Line]:
    """A line of bytes split where a lone CR (classic Mac line end) ends a line too."""
    pieces = _LINE.findall(text)
    rest = text[sum(len(p) for p in pieces):]
    return [Line(number + offset, piece, problem) for offset, piece in enumerate([*pieces, rest] if rest else pieces)]


def _ascii_lines(source: Source) -> Iterator[Line]:
    number = 1
    for raw in source.stream:
        problem = None
        try:
            text = raw.decode(source.encoding)
        except UnicodeDecodeError as exc:
            text = raw.decode(source.encoding, errors="replace")
            problem = f"not valid {source.encoding} (byte {exc.start}); pass --encoding to read it"
        if "\r" in text and _lone_cr(text):
            pieces = _split_at_lone_cr(number, text, problem)
            yield from pieces
            number += len(pieces)
        else:
            yield Line(number, text, problem)
            number += 1


def _decoded_lines(source: Source) -> Iterator[Line]:
    """UTF-16/32 and other encodings whose newline is not the byte b"\\n": decode, then split."""
    decoder = codecs.getincrementaldecoder(source.encoding)()
    number, pending = 1, ""
    while True:
        chunk = source.stream.read(_CHUNK)
        try:
            pending += decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            yield Line(number, "", f"not valid {source.encoding} from this line on; the rest of the input "
                                   "was not read: pass --encoding to read it")
            return
        ends_with_cr = chunk and pending.endswith("\r")
        complete = pending[:-1] if ends_with_cr else pending
        pieces = _LINE.findall(complete)
        used = sum(len(p) for p in pieces)
        for piece in pieces:
            yield Line(number, piece)
            number += 1
        pending = pending[used:]
        if not chunk:
            if pending:
                yield Line(number, pending)
            return
