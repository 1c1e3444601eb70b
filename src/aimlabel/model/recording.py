"""Recordings of model exchanges on disk, for replaying a run with no network.

Layout of a recording directory:

    DIR/recording.json          {"format": "aimlabel.model.recording/1", "producer": ..., "tool_version": ...}
    DIR/items/<key>.json        one file per article: its exchanges, in the order they happened

`producer` says who wrote the answers: the model name for a recorded live run, or `fixture`
for hand-written test answers, so a score over fixtures is never mistaken for a model's.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from aimlabel import __version__
from aimlabel.core.atomic import write_text_atomic
from aimlabel.core.redact import redact

FORMAT = "aimlabel.model.recording/1"
FIXTURE_PRODUCER = "fixture"


class ReplayError(Exception):
    """A replay cannot serve this request; `kind` is the error type recorded on the item."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class Exchange(BaseModel):
    """One HTTP request and what came back (a response, or a transport error's name)."""

    model_config = ConfigDict(extra="forbid")

    request: Any
    status: int | None = None
    headers: dict[str, str] = {}
    response: Any = None
    error: str | None = None
    elapsed_ms: float = 0.0


class ItemRecording(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: str
    producer: str
    model_requested: str | None
    exchanges: list[Exchange]


class RecordingManifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: str = FORMAT
    producer: str
    tool_version: str = __version__


def item_filename(key: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", key)[:80]
    return f"{safe}-{hashlib.sha256(key.encode()).hexdigest()[:8]}.json"


def _atomic_write(path: Path, text: str) -> None:
    try:
        write_text_atomic(path, text, durable=False)  # a lost recording file is made again by recording again
    except OSError as exc:
        if exc.filename is None:  # a failed write names no file: say which
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise


class RecordingWriter:
    """Write one file per article as soon as its call finishes, holding nothing in memory.

    A fix round is a later call on the same article (its request carries the earlier answer):
    `continues=True` appends its exchanges to the article's file on disk, so the recording keeps
    the article's whole sequence while memory stays flat however long the run.
    """

    def __init__(self, directory: Path, producer: str | None = None) -> None:
        self.directory = directory
        self.producer = producer
        (directory / "items").mkdir(parents=True, exist_ok=True)
        self._manifest_written = (directory / "recording.json").exists()

    def save(self, recording: ItemRecording, continues: bool = False) -> None:
        """Write the article's file, or with `continues`, extend the one this run wrote."""
        path = self.directory / "items" / item_filename(recording.item)
        if continues and path.exists():
            earlier = ItemRecording.model_validate_json(path.read_text(encoding="utf-8"))
            recording = recording.model_copy(update={"exchanges": earlier.exchanges + recording.exchanges})
        if self.producer:
            recording = recording.model_copy(update={"producer": self.producer})
        text = redact(recording.model_dump_json(indent=1))
        _atomic_write(path, text + "\n")
        if not self._manifest_written:
            _atomic_write(self.directory / "recording.json", RecordingManifest(producer=recording.producer).model_dump_json(indent=1) + "\n")
            self._manifest_written = True


class RecordingReader:
    """Load recorded exchanges by article key."""

    def __init__(self, directory: Path) -> None:
        if not (directory / "items").is_dir():
            raise FileNotFoundError(f"{directory} is not an aimlabel recording (no items/ folder); make one with --record")
        self.directory = directory
        self._cursor: dict[str, int] = {}
        self._cache: dict[str, ItemRecording] = {}
        manifest_path = directory / "recording.json"
        self.manifest = (
            RecordingManifest.model_validate_json(manifest_path.read_text(encoding="utf-8"))
            if manifest_path.exists() else None
        )

    def load(self, key: str) -> ItemRecording:
        if key in self._cache:
            return self._cache[key]
        path = self.directory / "items" / item_filename(key)
        if not path.exists():
            raise ReplayError("replay_missing", f"no recording for article {key!r} in {self.directory}")
        recording = ItemRecording.model_validate_json(path.read_bytes())  # one pass: no dicts built twice
        self._cache[key] = recording
        return recording

    def peek_exchange(self, key: str) -> tuple[int, Exchange, ItemRecording]:
        """The article's next unserved exchange, left unserved (see `next_exchange`)."""
        recording = self.load(key)
        index = self._cursor.get(key, 0)
        if index >= len(recording.exchanges):
            raise ReplayError(
                "replay_mismatch",
                f"recording for article {key!r} has {len(recording.exchanges)} exchange(s) but the run "
                "asked for more; it was recorded with different settings (e.g. --max-reasks, --fix-rounds)",
            )
        return index, recording.exchanges[index], recording

    def next_exchange(self, key: str) -> tuple[int, Exchange, ItemRecording]:
        """The article's next unserved exchange: later calls on one article continue its sequence."""
        index, exchange, recording = self.peek_exchange(key)
        self._cursor[key] = index + 1
        if index + 1 == len(recording.exchanges):
            self._cache.pop(key, None)
        return index, exchange, recording

    def models(self) -> set[str]:
        """Models requested across the recording (to default --model in replay)."""
        found: set[str] = set()
        for path in sorted((self.directory / "items").glob("*.json"))[:50]:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("model_requested"):
                found.add(data["model_requested"])
        return found
