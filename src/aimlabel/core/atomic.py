"""Files replaced whole or not at all.

Every file aimlabel writes goes to a temporary file beside its target and is renamed over it
only when the writer finishes without an exception, so a crash, a kill, a full disk or a
usage error found late never leaves a truncated or half-written file where an earlier one was.
Writers can still stream (write and flush line by line): the lines go into the temporary file.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

TEMP_SUFFIX = ".tmp"


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one existing file (through links, `..`, hard links)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_writer(path: Path, check: Callable[[Path], object] | None = None, *, durable: bool = True) -> Iterator[TextIO]:
    """A text file that replaces `path` when the `with` block ends without an exception.

    A symlink is written through (its target is replaced); a device or a pipe (`/dev/null`) is
    written in place, having no directory entry to rename over. `check(temp_path)` runs before
    the rename; an exception from it keeps the old file too. The new file keeps the old one's
    permissions. `durable` syncs it to disk first (one fsync; writers of many small files that
    a run can make again, like recordings, skip it).
    """
    target = path.resolve() if path.is_symlink() else path
    if target.exists() and not target.is_file():
        with open(target, "w", encoding="utf-8") as fh:
            yield fh
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else _new_file_mode()
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    temp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yield fh
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        if check is not None:
            check(temp)
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str, check: Callable[[Path], object] | None = None, *, durable: bool = True) -> None:
    with atomic_writer(path, check, durable=durable) as fh:
        fh.write(text)
