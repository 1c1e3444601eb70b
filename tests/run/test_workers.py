"""`label --workers N` over HTTP against the real fake-server process: the same records in the same
order as one process; the answer cache and resume work through the parent's store; a worker that
is killed costs only the articles it held (`worker_lost`), which a resume labels again; the key
never appears in a worker's command line or environment."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.testing.fakeserver import start_fake_server
from conftest import items_stored, write_articles

KEY = "sk-test-workers-0123456789"
ENV = {**os.environ, "OPENAI_API_KEY": KEY}


def _label(articles: Path, url: str, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "aimlabel", "label", str(articles), "--base-url", url, "--model", "fake", "-q",
           "-o", str(out), *extra]
    return subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=180)


def _records(path: Path) -> list[dict[str, object]]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for record in records:
        record.pop("latency_ms")
    return records


@pytest.mark.processes
def test_workers_give_the_records_of_one_process_in_input_order(tmp_path: Path) -> None:
    articles = tmp_path / "a.jsonl"
    write_articles(articles, 60)
    with start_fake_server(model="fake") as server:
        one = _label(articles, server.base_url, tmp_path / "one.jsonl", "--no-store", "--concurrency", "8")
        many = _label(articles, server.base_url, tmp_path / "many.jsonl", "--no-store", "--concurrency", "8", "--workers", "3")
    assert one.returncode == 0, one.stderr
    assert many.returncode == 0, many.stderr
    assert _records(tmp_path / "many.jsonl") == _records(tmp_path / "one.jsonl")
    assert many.stderr.splitlines()[-1] == one.stderr.splitlines()[-1]  # the same end-of-run line


@pytest.mark.processes
def test_the_cache_and_the_store_stay_with_the_parent(tmp_path: Path) -> None:
    articles = tmp_path / "a.jsonl"
    write_articles(articles, 20)
    store = tmp_path / "runs.sqlite"
    with start_fake_server(model="fake") as server:
        first = _label(articles, server.base_url, tmp_path / "1.jsonl", "--store", str(store), "--concurrency", "4", "--workers", "2")
        again = _label(articles, server.base_url, tmp_path / "2.jsonl", "--store", str(store), "--concurrency", "4", "--workers", "2")
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert "20 asked now" in first.stderr
    assert "20 from cache" in again.stderr  # the workers read the cache the parent wrote
    assert items_stored(store) == 40


@pytest.mark.processes
def test_a_killed_worker_costs_only_its_articles_and_a_resume_labels_them(tmp_path: Path) -> None:
    n, out = 40, tmp_path / "out.jsonl"
    with start_fake_server(model="fake", latency=0.3) as server:
        cmd, labelling = _started_run(tmp_path, server.base_url, n)
        workers = _children(labelling.pid)
        assert len(workers) == 2, workers
        for pid in workers:
            assert KEY not in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            assert KEY not in Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace").replace(
                f"OPENAI_API_KEY={KEY}", "")  # inherited from the user's own environment, as any child's
        os.kill(workers[0], signal.SIGKILL)
        _, stderr = labelling.communicate(timeout=120)
        assert labelling.returncode == 1, stderr  # some articles failed
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert [r["id"] for r in records] == [f"a{i:03d}" for i in range(n)]
        lost = [r for r in records if r["status"] == "failed"]
        assert lost and all(r["error"]["type"] == "worker_lost" for r in lost)
        assert "labelling worker 1 stopped" in lost[0]["error"]["message"]
        assert len(lost) < n  # the other worker went on
        again = subprocess.run([*cmd[:-2], "-o", str(tmp_path / "again.jsonl")], env=ENV, capture_output=True, text=True,
                               timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"{n - len(lost)} from the earlier run" in again.stderr
    assert all(r["status"] == "ok" for r in map(json.loads, (tmp_path / "again.jsonl").read_text().splitlines()))


def _started_run(tmp_path: Path, url: str, n: int) -> tuple[list[str], subprocess.Popen[str]]:
    """A run "nightly" of `n` articles with two workers, once it has stored a few records."""
    articles, store = tmp_path / "a.jsonl", tmp_path / "runs.sqlite"
    write_articles(articles, n)
    cmd = [sys.executable, "-m", "aimlabel", "label", str(articles), "--base-url", url, "--model", "fake",
           "--run", "nightly", "--store", str(store), "--concurrency", "4", "--workers", "2", "--no-rules", "-q",
           "-o", str(tmp_path / "out.jsonl")]
    labelling = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while items_stored(store) < 4 and time.monotonic() < deadline and labelling.poll() is None:
        time.sleep(0.05)
    return cmd, labelling


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return sorted(int(p) for p in found)


@pytest.mark.parametrize(("args", "said"), [
    (["--workers", "4", "--concurrency", "2"], "--workers 4 needs at least one call in flight per worker"),
    (["--workers", "2", "--concurrency", "4", "--batch"], "--workers applies to labelling live or from a recording"),
])
def test_workers_that_cannot_work_are_refused_before_anything_is_sent(tmp_path: Path, args: list[str], said: str) -> None:
    articles = tmp_path / "a.jsonl"
    write_articles(articles, 2)
    result = CliRunner().invoke(app, ["label", str(articles), "--base-url", "http://127.0.0.1:9/v1", "--model", "m",
                                      "--api-key", "k", *args])
    assert result.exit_code == 2, result.stderr
    assert said in result.stderr


@pytest.mark.processes
def test_sigterm_stops_the_workers_with_the_run_and_it_resumes(tmp_path: Path) -> None:
    n, out = 40, tmp_path / "out.jsonl"
    with start_fake_server(model="fake", latency=0.3) as server:
        cmd, labelling = _started_run(tmp_path, server.base_url, n)
        workers = _children(labelling.pid)
        labelling.send_signal(signal.SIGTERM)
        _, stderr = labelling.communicate(timeout=60)
        assert labelling.returncode == 143, stderr
        assert "run nightly is saved with" in stderr
        assert workers and not any(Path(f"/proc/{pid}").exists() and _state(pid) != "Z" for pid in workers)
        again = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == [f"a{i:03d}" for i in range(n)] and all(r["status"] == "ok" for r in records)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].split()[0]
    except (OSError, IndexError):
        return "gone"
