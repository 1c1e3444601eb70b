"""`--concurrency C` is what the server sees: at most C calls at once, and C while there is work
(issue 19). The wire holds at most C exchanges (with --workers, each worker's wire its share, the
shares adding up to C, an odd C too); a live run keeps C more articles in hand so that checking
one answer never holds back the next call, and that must not let a C+1th call out. Against the
real fake server process, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aimlabel.testing.fakeserver import start_fake_server
from conftest import write_articles


@pytest.mark.parametrize(("concurrency", "extra"), [(1, ()), (3, ()), (4, ("--workers", "2")), (5, ("--workers", "2"))])
def test_the_server_sees_at_most_c_calls_at_once_and_reaches_c(tmp_path: Path, concurrency: int,
                                                               extra: tuple[str, ...]) -> None:
    articles, out = tmp_path / "a.jsonl", tmp_path / "out.jsonl"
    ids = write_articles(articles, 4 * concurrency + 2)
    with start_fake_server(latency=0.3, max_seconds=120) as server:
        done = subprocess.run(
            [sys.executable, "-m", "aimlabel", "label", str(articles), "--base-url", server.base_url, "--model", "fake",
             "--api-key", "k", "--concurrency", str(concurrency), "--fix-rounds", "0", "--no-store", "-q", "-o", str(out),
             *extra],
            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)
        stats = server.stats()
    assert done.returncode in (0, 1), done.stderr  # 1: some labels need review
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ids
    assert stats["chat_requests"] == len(ids), stats
    assert stats["max_in_flight"] == concurrency, stats
