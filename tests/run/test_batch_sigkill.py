"""SIGKILL `aimlabel batch collect` twice in the middle of a download, run it again, and lose or
repeat nothing: every article once, every request run once, the store intact."""

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

from aimlabel.testing.fakeserver import FakeServerProcess, start_fake_server

N = 300


def _write_articles(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"a{i:04d}", "title": f"Story {i}", "text": f"An AI system did thing {i}. It was reported."}) + "\n")


def _partial_download(store: Path) -> Path | None:
    for part in (store.parent / "batch-files").glob("run-*/*.part"):
        try:
            if part.stat().st_size > 0:
                return part
        except FileNotFoundError:
            continue
    return None


def kill_mid_download(cmd: list[str], env: dict[str, str], store: Path, timeout: float = 60) -> int:
    """Start `cmd`, SIGKILL it once a result file is half downloaded; returns the bytes it had."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    part = None
    while part is None and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
        part = _partial_download(store)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "collect finished before it could be killed mid-download"
    assert part is not None
    return part.stat().st_size if part.exists() else 0


def run_killed_twice(server: FakeServerProcess, tmp_path: Path, n: int, extra: list[str]) -> tuple[list[dict[str, object]], dict[str, object]]:
    articles = tmp_path / "in.jsonl"
    _write_articles(articles, n)
    store = tmp_path / "runs.sqlite"
    env = {**os.environ, "OPENAI_API_KEY": "sk-test-not-a-real-key", "AIMLABEL_STORE": str(store)}
    base = [sys.executable, "-m", "aimlabel"]
    sent = subprocess.run([*base, "label", str(articles), "--batch", "--run", "k", "--base-url", server.base_url, "--model", "fake",
                           "--no-cache", *extra], env=env, capture_output=True, text=True, timeout=600)
    assert sent.returncode == 0, sent.stderr
    collect = [*base, "batch", "collect", "k", "--wait", "--poll-interval", "0.01", "-q"]
    sizes = [kill_mid_download(collect, env, store) for _ in range(2)]
    assert all(size > 0 for size in sizes)
    done = subprocess.run([*collect, "-o", str(tmp_path / "out.jsonl")], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*), COUNT(DISTINCT item_key) FROM items").fetchone() == (n, n)
        unanswered = db.execute("SELECT COUNT(*) FROM batch_steps WHERE answer IS NULL").fetchone()[0]
        assert unanswered == 0
    return [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()], server.stats()["batch"]


@pytest.mark.processes
def test_collect_killed_twice_mid_download_finishes_with_nothing_lost_or_repeated(tmp_path: Path) -> None:
    with start_fake_server(max_seconds=300, batch_download_pause=0.1, rate_500=0.05, seed=3) as server:
        records, stats = run_killed_twice(server, tmp_path, N, ["--batch-max-requests", "150"])
    assert [r["id"] for r in records] == [f"a{i:04d}" for i in range(N)]
    assert all(r["status"] == "ok" for r in records), [r["error"] for r in records if r["status"] != "ok"]
    by_line = stats["by_line"]
    assert isinstance(by_line, dict) and set(by_line.values()) == {1}, "no request was run twice"
    assert stats["dropped_downloads"] == 0 and isinstance(stats["downloads"], int) and stats["downloads"] >= 2 + 2


def _submitted(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM batches WHERE state = 'submitted'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.processes
def test_submit_killed_between_files_resumes_and_sends_every_request_once(tmp_path: Path) -> None:
    articles, store = tmp_path / "in.jsonl", tmp_path / "runs.sqlite"
    _write_articles(articles, 120)
    env = {**os.environ, "OPENAI_API_KEY": "sk-test-not-a-real-key", "AIMLABEL_STORE": str(store)}
    with start_fake_server(max_seconds=300) as server:
        cmd = [sys.executable, "-m", "aimlabel", "label", str(articles), "--batch", "--run", "s", "--base-url", server.base_url,
               "--model", "fake", "--batch-max-requests", "10", "--no-cache"]
        for kill_after in (2, 5):  # files sent before the kill; the next one is being written or uploaded
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 60
            while _submitted(store) < kill_after and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert proc.returncode == -signal.SIGKILL
        resumed = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        assert resumed.returncode == 0, resumed.stderr
        done = subprocess.run([sys.executable, "-m", "aimlabel", "batch", "collect", "s", "--wait", "--poll-interval", "0.01",
                               "-o", str(tmp_path / "out.jsonl")], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        stats = server.stats()["batch"]
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["status"] for r in records] == ["ok"] * 120
    assert stats["created"] == 12 and stats["lines"] == 120 and set(stats["by_line"].values()) == {1}
