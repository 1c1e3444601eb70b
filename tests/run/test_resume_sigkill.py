"""SIGKILL a real `aimlabel label` process mid-run, resume it, and lose or repeat nothing."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aimlabel.testing.fakeserver import start_fake_server

N = 40


def _count_done(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM items WHERE status = 'ok'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.processes
def test_sigkill_mid_run_then_resume_gives_every_article_once(tmp_path: Path) -> None:
    articles = tmp_path / "articles.jsonl"
    articles.write_text("".join(
        json.dumps({"id": f"a{i:03d}", "title": f"Story {i}", "text": f"An AI system did thing number {i}. It was reported."}) + "\n"
        for i in range(N)
    ))
    store = tmp_path / "runs.sqlite"
    with start_fake_server(latency=0.15, model="fake") as server:
        cmd = [sys.executable, "-m", "aimlabel", "label", str(articles), "--base-url", server.base_url,
               "--model", "fake", "--run", "nightly", "--store", str(store), "--concurrency", "4",
               "--no-cache", "--no-rules", "-q"]
        env = {**os.environ, "OPENAI_API_KEY": "sk-test-not-a-real-key"}
        first = subprocess.Popen([*cmd, "-o", str(tmp_path / "first.jsonl")], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while _count_done(store) < 10 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert first.stderr is not None
        first.stderr.close()
        assert first.returncode == -signal.SIGKILL
        done_at_kill = _count_done(store)
        assert 10 <= done_at_kill < N
        sent_before = server.stats()["chat_requests"]

        second = subprocess.run([*cmd, "-o", str(tmp_path / "second.jsonl")], env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 0, second.stderr
        assert f"{done_at_kill} from the earlier run" in second.stderr
        stats = server.stats()

    resent = stats["chat_requests"] - sent_before
    assert resent == N - done_at_kill, (resent, done_at_kill)
    assert sum(1 for n in stats["bodies"].values() if n > 1) <= 4  # only the calls in flight at the kill
    records = [json.loads(line) for line in (tmp_path / "second.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records] == [f"a{i:03d}" for i in range(N)]
    assert all(r["status"] == "ok" for r in records)
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*), COUNT(DISTINCT item_key) FROM items").fetchone() == (N, N)
