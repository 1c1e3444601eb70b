"""`--record` keeps nothing per article in memory: the files on disk are the recording."""

from __future__ import annotations

import gc
import json
import tracemalloc
from pathlib import Path

import pytest

from aimlabel.model.recording import Exchange, ItemRecording, RecordingWriter, item_filename


def _recording(i: int, answer: str = "first") -> ItemRecording:
    body = {"model": "m", "messages": [{"role": "user", "content": f"article {i} " + "text " * 800}]}
    return ItemRecording(item=f"a{i:05d}", producer="m", model_requested="m",
                         exchanges=[Exchange(request=body, status=200, response={"answer": answer, "n": i})])


def test_memory_stays_flat_as_the_recording_grows(tmp_path: Path) -> None:
    writer = RecordingWriter(tmp_path / "rec")
    for i in range(50):
        writer.save(_recording(i))
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for i in range(50, 1050):  # about 4 KB of request text each: 4 MB if the writer kept them
            writer.save(_recording(i))
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert grown < 400_000, f"the writer kept {grown:,} bytes after 1,000 articles"
    assert len(list((tmp_path / "rec" / "items").glob("*.json"))) == 1050


def test_a_fix_round_extends_the_file_and_a_new_run_replaces_it(tmp_path: Path) -> None:
    path = tmp_path / "rec" / "items" / item_filename("a00007")
    RecordingWriter(tmp_path / "rec").save(_recording(7, "stale, from an earlier recording"))
    writer = RecordingWriter(tmp_path / "rec")
    writer.save(_recording(7, "first"))
    writer.save(_recording(7, "fixed"), continues=True)
    answers = [e["response"]["answer"] for e in json.loads(path.read_text())["exchanges"]]
    assert answers == ["first", "fixed"]


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import os

    writer = RecordingWriter(tmp_path / "rec")
    real = os.fdopen

    class Full:
        def __init__(self, fh: object) -> None:
            self.fh = fh

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()  # type: ignore[attr-defined]

        def write(self, text: str) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: Full(real(fd, *a, **k)))
    with pytest.raises(OSError, match="No space left"):
        writer.save(_recording(1))
    assert [p.name for p in (tmp_path / "rec" / "items").iterdir()] == []
