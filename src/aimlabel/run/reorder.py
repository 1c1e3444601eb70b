"""Put records that finish in any order back into input order, in bounded memory.

Workers finish out of order; the output must not. `Reorder` emits every record whose
predecessors have all been emitted, and holds the rest. One slow article at the head would make
the held set grow without bound, so past `limit` held records the newcomers go to a `Spill`:
the run store, where every record is already committed (nothing more is written), or, with no
store, a temporary file. Memory stays flat however long the head takes, and the workers never
wait for it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import IO, Protocol

from aimlabel.core.record import LabelRecord


class Spill(Protocol):
    """Where records wait for their turn when the reorder buffer is full."""

    def put(self, seq: int, record: LabelRecord) -> None: ...

    def take(self, seq: int) -> LabelRecord: ...

    def close(self) -> None: ...


class TempSpill:
    """Records as JSON lines in an unnamed temporary file, found again by offset."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._where: dict[int, tuple[int, int]] = {}

    def put(self, seq: int, record: LabelRecord) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="aimlabel-reorder-")  # noqa: SIM115 - closed by close()
        data = record.to_json().encode("utf-8")
        offset = self._file.seek(0, os.SEEK_END)
        self._file.write(data)
        self._where[seq] = (offset, len(data))

    def take(self, seq: int) -> LabelRecord:
        offset, size = self._where.pop(seq)
        if self._file is None:
            raise KeyError(seq)
        self._file.seek(offset)
        return LabelRecord.model_validate_json(self._file.read(size))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class Reorder:
    """Emit records in sequence order (0, 1, 2, ...) as they arrive in any order."""

    def __init__(self, emit: Callable[[LabelRecord], None], spill: Spill, limit: int) -> None:
        self.emit = emit
        self.spill = spill
        self.limit = max(1, limit)
        self.next = 0
        self._held: dict[int, LabelRecord] = {}
        self._spilled: set[int] = set()
        self.spills = 0

    @property
    def waiting(self) -> int:
        """Records finished but not yet emitted (held or spilled)."""
        return len(self._held) + len(self._spilled)

    def put(self, seq: int, record: LabelRecord) -> None:
        if seq != self.next:
            if len(self._held) < self.limit:
                self._held[seq] = record
            else:
                self.spill.put(seq, record)
                self._spilled.add(seq)
                self.spills += 1
            return
        self.emit(record)
        self.next += 1
        while True:
            if self.next in self._held:
                record = self._held.pop(self.next)
            elif self.next in self._spilled:
                self._spilled.discard(self.next)
                record = self.spill.take(self.next)
            else:
                return
            self.emit(record)
            self.next += 1
