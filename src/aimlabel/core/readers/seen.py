"""The keys a reader has seen, in 16 bytes each, so finding duplicates keeps memory near flat.

A key is kept as a 64-bit hash (blake2b) with the line it was first seen on, in an
open-addressing table on one `array`, kept at most two thirds full: 4 MB at 100,000 keys,
where a dict of the key strings costs over 100 bytes a key. Two different keys share a hash
with a chance of about 5 in 100 million at a million articles (63 bits: the lowest is always set).
"""

from __future__ import annotations

import hashlib
from array import array


class SeenKeys:
    def __init__(self, capacity: int = 1024) -> None:
        self._slots = array("Q", bytes(16 * capacity))  # pairs: hash (0 = empty), first line
        self._used = 0

    def first_line(self, key: str, line: int) -> int:
        """The line `key` was first seen on; a new key is recorded at `line` (and that is returned)."""
        digest = int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little") | 1
        slots = self._slots
        mask = len(slots) // 2 - 1
        index = digest & mask
        while True:
            stored = slots[2 * index]
            if stored == digest:
                return slots[2 * index + 1]
            if stored == 0:
                slots[2 * index], slots[2 * index + 1] = digest, line
                self._used += 1
                if self._used * 3 > len(slots):  # over two thirds of the len(slots) // 2 entries
                    self._grow()
                return line
            index = (index + 1) & mask

    def _grow(self) -> None:
        old = self._slots
        self._slots = array("Q", bytes(16 * len(old)))
        self._used = 0
        for i in range(0, len(old), 2):
            if old[i]:
                self._insert(old[i], old[i + 1])

    def _insert(self, digest: int, line: int) -> None:
        slots = self._slots
        mask = len(slots) // 2 - 1
        index = digest & mask
        while slots[2 * index]:
            index = (index + 1) & mask
        slots[2 * index], slots[2 * index + 1] = digest, line
        self._used += 1
